#!/usr/bin/env bash
# Vendor the GraphiQL front end into src/jobgraph/graphql/static/, so that GET /graphql works
# without internet access. Uses the npm client only (`npm pack`), with whatever registry npm is
# configured for; no host name is written here. Run from anywhere: `bash scripts/vendor_graphiql.sh`.
#
# The versions are the ones Strawberry's own GraphiQL page loads. When changing one, also change
# the matching constant in src/jobgraph/graphql/ide.py (the folder names carry the versions, so
# browsers may cache the files for a year).
set -euo pipefail

REACT_VERSION=18.2.0
GRAPHIQL_VERSION=3.8.3
EXPLORER_VERSION=1.0.2
# Bundled inside the explorer plugin's UMD build; fetched only for its LICENSE file.
GRAPHIQL_EXPLORER_VERSION=0.9.0

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
static="$repo_root/src/jobgraph/graphql/static"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# fetch NAME@VERSION DIR: download the package tarball with npm and unpack it into $work/DIR.
fetch() {
    local spec="$1" dir="$2" tarball
    tarball="$(cd "$work" && npm pack "$spec" --silent | tail -n 1)"
    mkdir -p "$work/$dir"
    tar -xzf "$work/$tarball" -C "$work/$dir" --strip-components=1
}

fetch "react@$REACT_VERSION" react
fetch "react-dom@$REACT_VERSION" react-dom
fetch "graphiql@$GRAPHIQL_VERSION" graphiql
fetch "@graphiql/plugin-explorer@$EXPLORER_VERSION" plugin-explorer
fetch "graphiql-explorer@$GRAPHIQL_EXPLORER_VERSION" graphiql-explorer

rm -rf "$static"
mkdir -p "$static/LICENSES"

# copy SRC_DIR/FILE DEST_DIR: copy one asset, byte for byte, keeping its file name.
copy() {
    mkdir -p "$static/$2"
    cp "$work/$1" "$static/$2/"
}

copy react/umd/react.production.min.js "react-$REACT_VERSION"
copy react-dom/umd/react-dom.production.min.js "react-dom-$REACT_VERSION"
copy graphiql/graphiql.min.js "graphiql-$GRAPHIQL_VERSION"
copy graphiql/graphiql.min.css "graphiql-$GRAPHIQL_VERSION"
copy plugin-explorer/dist/index.umd.js "graphiql-plugin-explorer-$EXPLORER_VERSION"
copy plugin-explorer/dist/style.css "graphiql-plugin-explorer-$EXPLORER_VERSION"

cp "$work/react/LICENSE" "$static/LICENSES/react-$REACT_VERSION.LICENSE"
cp "$work/react-dom/LICENSE" "$static/LICENSES/react-dom-$REACT_VERSION.LICENSE"
cp "$work/graphiql/LICENSE" "$static/LICENSES/graphiql-$GRAPHIQL_VERSION.LICENSE"
cp "$work/graphiql-explorer/LICENSE" \
    "$static/LICENSES/graphiql-explorer-$GRAPHIQL_EXPLORER_VERSION.LICENSE"
{
    echo "@graphiql/plugin-explorer $EXPLORER_VERSION declares \"license\": \"MIT\" in its"
    echo "package.json but ships no LICENSE file. It is published from the same repository as"
    echo "graphiql (graphql/graphiql), whose MIT license text follows. Its UMD build bundles"
    echo "graphiql-explorer $GRAPHIQL_EXPLORER_VERSION (see graphiql-explorer-*.LICENSE)."
    echo
    cat "$work/graphiql/LICENSE"
} >"$static/LICENSES/graphiql-plugin-explorer-$EXPLORER_VERSION.LICENSE"

# Checksums of what was vendored, so a review can see the files are the packages' own.
(cd "$static" && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)

echo "Vendored into $static:"
(cd "$static" && du -ah . | LC_ALL=C sort -k2)
