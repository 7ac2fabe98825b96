"""The self-hosted GraphiQL page and its vendored assets, so GET /graphql works offline."""

from __future__ import annotations

import html
import json
from pathlib import Path

from fastapi import FastAPI

from jobgraph.assets import FAVICON_PATH, AssetFiles

STATIC_PATH = "/graphiql/static"
STATIC_DIR = Path(__file__).parent / "static"

# The versions are in the folder names (see scripts/vendor_graphiql.sh), so a file's URL changes
# whenever its content does and browsers may keep it for a year.
REACT_VERSION = "18.2.0"
GRAPHIQL_VERSION = "3.8.3"
EXPLORER_VERSION = "1.0.2"

STYLESHEETS = (
    f"graphiql-{GRAPHIQL_VERSION}/graphiql.min.css",
    f"graphiql-plugin-explorer-{EXPLORER_VERSION}/style.css",
)
# In load order: GraphiQL expects window.React and window.ReactDOM; the explorer plugin expects
# window.GraphiQL.
SCRIPTS = (
    f"react-{REACT_VERSION}/react.production.min.js",
    f"react-dom-{REACT_VERSION}/react-dom.production.min.js",
    f"graphiql-{GRAPHIQL_VERSION}/graphiql.min.js",
    f"graphiql-plugin-explorer-{EXPLORER_VERSION}/index.umd.js",
)

DEFAULT_QUERY = """\
# Welcome to jobgraph: quantum-computing jobs as a graph.
# Press Ctrl-Enter (or the play button) to run.
query RecentJobs {
  jobs(first: 5, orderBy: [{field: CREATED_AT, direction: DESC}]) {
    totalCount
    edges { cursor node { id status runs createdAt batch { id status project { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def install_ide(app: FastAPI) -> None:
    """Serve the vendored GraphiQL assets under STATIC_PATH."""
    app.mount(STATIC_PATH, AssetFiles(directory=STATIC_DIR), name="graphiql-static")


def _script_literal(value: str) -> str:
    """A JavaScript string literal that is safe inside an inline <script> element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _asset_url(name: str) -> str:
    return html.escape(f"{STATIC_PATH}/{name}", quote=True)


def graphiql_html(graphql_path: str = "/graphql") -> str:
    """The GraphiQL page: assets from STATIC_PATH only, queries POSTed as JSON to graphql_path."""
    links = "\n".join(
        f'    <link rel="stylesheet" href="{_asset_url(name)}" />' for name in STYLESHEETS
    )
    scripts = "\n".join(f'    <script src="{_asset_url(name)}"></script>' for name in SCRIPTS)
    return (
        _PAGE.replace("__STYLESHEETS__", links)
        .replace("__SCRIPTS__", scripts)
        .replace("__FETCH_URL__", _script_literal(graphql_path))
        .replace("__DEFAULT_QUERY__", _script_literal(DEFAULT_QUERY))
        .replace("__FAVICON__", html.escape(FAVICON_PATH, quote=True))
    )


# Adapted from Strawberry's graphiql.html: same URL sharing, headers editor and explorer plugin;
# no CDN, no js-cookie (no CSRF cookie here) and no subscriptions.
_PAGE = """\
<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>jobgraph GraphiQL</title>
    <link rel="icon" href="__FAVICON__" />
__STYLESHEETS__
    <style>
      body {
        height: 100%;
        margin: 0;
        width: 100%;
        overflow: hidden;
      }

      #graphiql {
        height: 100vh;
        display: flex;
      }

      .docExplorerHide {
        display: none;
      }

      .doc-explorer-contents {
        overflow-y: hidden !important;
      }

      .docExplorerWrap {
        width: unset !important;
        min-width: unset !important;
      }

      .graphiql-explorer-actions select {
        margin-left: 4px;
      }
    </style>
  </head>

  <body>
    <div id="graphiql" class="graphiql-container">Loading...</div>
__SCRIPTS__
    <script>
      const DEFAULT_QUERY = __DEFAULT_QUERY__;
      const fetchURL = __FETCH_URL__;

      // The query, variables and operation name live in the page's query string, under the
      // names GET /graphql reads, so the URL of the page is also the URL of the query's JSON
      // (a JSON client gets the answer, a browser this page). Headers are kept in the browser's
      // local storage instead (shouldPersistHeaders). `q` is read for links from before.
      const parameters = {};
      for (const entry of window.location.search.slice(1).split("&")) {
        const eq = entry.indexOf("=");
        if (eq >= 0) {
          parameters[decodeURIComponent(entry.slice(0, eq))] = decodeURIComponent(
            entry.slice(eq + 1),
          );
        }
      }

      function updateURL(data) {
        Object.assign(parameters, data);
        const newSearch =
          "?" +
          Object.keys(parameters)
            .filter((key) => Boolean(parameters[key]))
            .map((key) => encodeURIComponent(key) + "=" + encodeURIComponent(parameters[key]))
            .join("&");
        history.replaceState(null, "", newSearch);
      }

      // Queries: POST with a JSON body. Subscriptions: a WebSocket to the same path
      // (graphql-transport-ws); the header editor's headers go in its connection_init payload,
      // so `{"Authorization": "Bearer ..."}` there authenticates both.
      const subscriptionURL = new URL(fetchURL, location.href);
      subscriptionURL.protocol = subscriptionURL.protocol === "https:" ? "wss:" : "ws:";
      const fetcher = GraphiQL.createFetcher({
        url: fetchURL,
        subscriptionUrl: subscriptionURL.href,
      });

      function GraphiQLWithExplorer() {
        const [query, setQuery] = React.useState(parameters.query || parameters.q || DEFAULT_QUERY);
        const [variables, setVariables] = React.useState(parameters.variables);
        const [headers, setHeaders] = React.useState(parameters.headers);

        function onEditQuery(newQuery) {
          setQuery(newQuery);
          updateURL({ query: newQuery, q: "" });
        }

        function onEditOperationName(newName) {
          updateURL({ operationName: newName });
        }

        function onEditVariables(newVariables) {
          setVariables(newVariables);
          updateURL({ variables: newVariables });
        }

        function onEditHeaders(newHeaders) {
          setHeaders(newHeaders);
        }

        const explorerPlugin = GraphiQLPluginExplorer.explorerPlugin();

        return React.createElement(GraphiQL, {
          fetcher: fetcher,
          defaultEditorToolsVisibility: true,
          plugins: [explorerPlugin],
          query: query,
          variables: variables,
          headers: headers,
          onEditQuery: onEditQuery,
          operationName: parameters.operationName,
          onEditOperationName: onEditOperationName,
          onEditVariables: onEditVariables,
          onEditHeaders: onEditHeaders,
          inputValueDeprecation: true,
          isHeadersEditorEnabled: true,
          shouldPersistHeaders: true,
        });
      }

      const root = ReactDOM.createRoot(document.getElementById("graphiql"));
      root.render(React.createElement(GraphiQLWithExplorer));
    </script>
  </body>
</html>
"""
