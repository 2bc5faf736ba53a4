"""GraphiQL's page loads everything from this server (an offline clinic reaches no CDN), and
where GraphiQL is off, neither the page nor its assets are served."""

import base64
import hashlib
from html.parser import HTMLParser

from tests.conftest import make_settings
from tests.fixtures.graphql import GraphQLClient, app_for

HTML = {"Accept": "text/html"}


class _AssetRefs(HTMLParser):
    """(URL, integrity) of each script and link of a page, data: URLs left out."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        url = found.get("src" if tag == "script" else "href" if tag == "link" else "")
        if url and not url.startswith("data:"):
            self.refs.append((url, found.get("integrity")))


def asset_refs(html: str) -> list[tuple[str, str | None]]:
    parser = _AssetRefs()
    parser.feed(html)
    return parser.refs


async def test_the_page_names_no_other_host(client: GraphQLClient) -> None:
    # when GraphiQL is asked for
    response = await client.http.get("/graphql", headers=HTML)
    # then it comes with no absolute URL, and loads its assets from this server's path
    assert response.status_code == 200
    assert "http://" not in response.text and "https://" not in response.text
    refs = asset_refs(response.text)
    assert len(refs) == 6
    assert all(url.startswith("/static/graphiql/") for url, _ in refs)


async def test_every_asset_is_served_as_pinned_with_its_licence(client: GraphQLClient) -> None:
    page = (await client.http.get("/graphql", headers=HTML)).text
    for url, integrity in asset_refs(page):
        # when each asset is fetched
        response = await client.http.get(url)
        # then it is the file the page pins, cacheable for a year, its licence beside it
        assert response.status_code == 200, url
        digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert integrity == f"sha384-{digest}", url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        licence = await client.http.get(url.rsplit("/", 1)[0] + "/LICENSE")
        assert licence.status_code == 200 and "MIT License" in licence.text, url


async def test_with_graphiql_off_neither_page_nor_assets_are_served(database_url: str) -> None:
    async with app_for(make_settings(database_url, graphiql=False)) as (client, _):
        page = await client.http.get("/graphql", headers=HTML)
        asset = await client.http.get("/static/graphiql/graphiql-3.8.3/graphiql.min.js")
    assert page.status_code == 404
    assert asset.status_code == 404
