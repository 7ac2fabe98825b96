#!/usr/bin/env bash
# Vendor Swagger UI (/docs) and ReDoc (/redoc) into src/jobgraph/rest/static/, so the REST API's
# documentation pages work without internet access. Uses the npm client only (`npm pack`), with
# whatever registry npm is configured for; no host name is written here. Run from anywhere:
# `bash scripts/vendor_docs.sh`.
#
# The versions are the major versions FastAPI's own pages load (swagger-ui-dist 5, redoc 2).
# When changing one, also change the matching constant in src/jobgraph/rest/docs.py (the folder
# names carry the versions, so browsers may cache the files for a year).
set -euo pipefail

SWAGGER_UI_VERSION=5.35.0
REDOC_VERSION=2.5.4

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
static="$repo_root/src/jobgraph/rest/static"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# fetch NAME@VERSION DIR: download the package tarball with npm and unpack it into $work/DIR.
fetch() {
    local spec="$1" dir="$2" tarball
    tarball="$(cd "$work" && npm pack "$spec" --silent | tail -n 1)"
    mkdir -p "$work/$dir"
    tar -xzf "$work/$tarball" -C "$work/$dir" --strip-components=1
}

fetch "swagger-ui-dist@$SWAGGER_UI_VERSION" swagger-ui
fetch "redoc@$REDOC_VERSION" redoc

rm -rf "$static"
mkdir -p "$static/LICENSES"

# copy SRC_DIR/FILE DEST_DIR: copy one asset, byte for byte, keeping its file name.
copy() {
    mkdir -p "$static/$2"
    cp "$work/$1" "$static/$2/"
}

swagger="swagger-ui-dist-$SWAGGER_UI_VERSION"
redoc="redoc-$REDOC_VERSION"
copy swagger-ui/swagger-ui-bundle.js "$swagger"
copy swagger-ui/swagger-ui.css "$swagger"
copy redoc/bundles/redoc.standalone.js "$redoc"
# The one change to a vendored file: ReDoc's sidebar shows Redocly's logo from Redocly's CDN, a
# request that fails offline (a console error). An empty inline image takes its place; the
# "API docs by Redocly" link stays. The check fails if a new version loads it differently.
logo="https://cdn.redoc.ly/redoc/logo-mini.svg"
empty="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E"
grep -q "\"$logo\"" "$static/$redoc/redoc.standalone.js"
sed -i "s#\"$logo\"#\"$empty\"#" "$static/$redoc/redoc.standalone.js"
if grep -q "cdn\.redoc\.ly" "$static/$redoc/redoc.standalone.js"; then
    echo "redoc.standalone.js still loads something from cdn.redoc.ly" >&2
    exit 1
fi

# The packages' licenses, and the notices of what their bundles include.
cp "$work/swagger-ui/LICENSE" "$static/LICENSES/$swagger.LICENSE"
cp "$work/swagger-ui/NOTICE" "$static/LICENSES/$swagger.NOTICE"
cp "$work/swagger-ui/swagger-ui-bundle.js.LICENSE.txt" "$static/LICENSES/$swagger.bundled.txt"
cp "$work/redoc/LICENSE" "$static/LICENSES/$redoc.LICENSE"
cp "$work/redoc/bundles/redoc.standalone.js.LICENSE.txt" "$static/LICENSES/$redoc.bundled.txt"

# Checksums of what was vendored, so a review can see the files are the packages' own.
(cd "$static" && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)

echo "Vendored into $static:"
(cd "$static" && du -ah . | LC_ALL=C sort -k2)
