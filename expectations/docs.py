"""Data Docs that render offline: no page loads anything from the network.

In: the folder Great Expectations just built its Data Docs site into. Out: the same pages, each
script, style sheet and image taken from a copy beside them under `static/vendor/`, copied from
installed packages (the XStatic packages in requirements.lock) when the site is built.

Why: GE's page templates load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from
public CDNs, which intranets (and often China) do not reach; the index then showed empty lists,
because bootstrap-table filled its tables from JavaScript. Two changes:

- The tables GE hands to bootstrap-table are rendered as plain HTML when the page is built
  (`OfflinePageView`, `OfflineIndexPageView`: GE's views with one template of ours,
  `docs_templates/bootstrap_table.j2`, in front of GE's). No package on PyPI ships
  bootstrap-table on its own, so the tables need no script to show; a few lines of jQuery keep
  the search box and the links of the rows. Sorting by column and paging are not kept.
- `localise` rewrites each CDN tag to a local copy (`ASSETS`), drops what the pages no longer
  need (bootstrap-table, its date picker, the optional dark theme, Popper: inside Bootstrap's
  bundle) and fails loud on any other external resource, so a GE upgrade that adds one is
  caught by the tests instead of leaving blank pages. Vega is not vendored: none of the suites'
  pages draws a chart, and a page that does is an error here.

GE is imported only when GE itself asks for a view class (module `__getattr__`).
"""

from __future__ import annotations

import importlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

TEMPLATES = Path(__file__).parent / "docs_templates"
VENDOR = "static/vendor"


@dataclass(frozen=True)
class Asset:
    """A CDN resource's local copy: `path` under the data folder of the XStatic package
    `module` (the file the tag names), and `extra` files or folders it needs beside it."""

    module: str
    path: str
    extra: tuple[str, ...] = ()


_BOOTSTRAP = Asset("xstatic.pkg.bootstrap", "js/bootstrap.bundle.min.js")
ASSETS: dict[str, Asset | None] = {  # a URL prefix → its copy, or None: the tag is dropped
    "https://code.jquery.com/jquery-3.": Asset("xstatic.pkg.jquery", "jquery.min.js"),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.": Asset(
        "xstatic.pkg.bootstrap", "css/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.": _BOOTSTRAP,  # with Popper inside
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/": None,
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.": Asset(
        "xstatic.pkg.font_awesome", "css/all.min.css", ("webfonts",)
    ),
    "https://unpkg.com/bootstrap-table@": None,  # the tables are HTML (docs_templates/)
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/": None,  # its date filter
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@": None,  # an optional dark theme
    "https://cdn.jsdelivr.net/npm/vega": None,  # no page draws a chart (checked)
}
# GE's logo comes from GE's web assets (with a tracking query); GE ships the light one itself,
# and the dark one is shown on a light page here (the dark theme is not loaded).
_GE_IMAGES = re.compile(
    r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/([\w.-]+)[^\"')]*"
)
_GE_IMAGE_COPIES = {"logo-long.png": "logo-long.png", "full_logo_dark.png": "logo-long.png"}
_SCRIPT = re.compile(r'<script\b[^>]*\bsrc="(https?://[^"]+)"[^>]*>\s*</script>\s*')
_LINK = re.compile(r'<link\b[^>]*\bhref="(https?://[^"]+)"[^>]*>\s*')
# what still loads from outside after the rewrite (an <a href> is a link, not a resource)
_EXTERNAL = re.compile(
    r'<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)="https?://|url\(\s*[\'"]?https?://'
)
# GE counts the folders above a validation page one short for its favicon: every path into the
# site's static folder is made again from the page's depth
_STATIC = re.compile(r'\b(src|href)="(?:\./|\.\./)*static/')
_LOCAL = re.compile(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"#?:]+)[^"]*"')


class OfflineDocsError(RuntimeError):
    """A Data Docs page would need the network, or names a local file that is not there."""


def localise(docs_dir: Path) -> list[Path]:
    """Copy the assets into `docs_dir/static/vendor` and point every page at them; return the
    pages rewritten. Raises OfflineDocsError when a page still needs something from outside."""
    for asset in {a for a in ASSETS.values() if a is not None}:
        _copy(asset, docs_dir)
    pages = sorted(docs_dir.rglob("*.html"))
    for page in pages:
        depth = len(page.relative_to(docs_dir).parts) - 1
        html = page.read_text(encoding="utf-8")
        page.write_text(rewrite(html, "../" * depth, page), encoding="utf-8")
        _check_local(page, docs_dir)
    return pages


def rewrite(html: str, up: str, page: Path | str = "page") -> str:
    """One page's HTML with CDN tags replaced by local ones (`up`: "../" per folder between the
    page and the docs root)."""
    if "vegaEmbed(" in html:
        raise OfflineDocsError(f"{page} draws a Vega chart, and no offline Vega is bundled")
    html = _SCRIPT.sub(lambda m: _tag(m, up, '<script src="{}"></script>\n'), html)
    html = _LINK.sub(lambda m: _tag(m, up, '<link rel="stylesheet" href="{}"/>\n'), html)
    html = _STATIC.sub(lambda m: f'{m[1]}="{up}static/', html)
    html = _GE_IMAGES.sub(lambda m: _ge_image(m, up), html)
    left = _EXTERNAL.search(html)
    if left:
        found = html[left.start() : left.start() + 160]
        raise OfflineDocsError(f"{page} still loads from the network: {found}")
    return html


def _tag(match: re.Match, up: str, template: str) -> str:
    url = match[1]
    for prefix, asset in ASSETS.items():
        if url.startswith(prefix):
            return "" if asset is None else template.format(f"{up}{_local(asset)}")
    raise OfflineDocsError(f"no offline copy known for {url} (expectations/docs.py ASSETS)")


def _ge_image(match: re.Match, up: str) -> str:
    if match[1] not in _GE_IMAGE_COPIES:
        raise OfflineDocsError(f"no offline copy known for GE's image {match[0]}")
    return f"{up}static/images/{_GE_IMAGE_COPIES[match[1]]}"


def _local(asset: Asset) -> str:
    return f"{VENDOR}/{asset.module.rsplit('.', 1)[1]}/{asset.path}"


def _copy(asset: Asset, docs_dir: Path) -> None:
    source = Path(importlib.import_module(asset.module).BASE_DIR)
    root = docs_dir / _local(asset).removesuffix(asset.path)
    for name in (asset.path, *asset.extra):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        if (source / name).is_dir():
            shutil.copytree(source / name, root / name, dirs_exist_ok=True)
        else:
            shutil.copyfile(source / name, root / name)


def _check_local(page: Path, docs_dir: Path) -> None:
    for path in _LOCAL.findall(page.read_text(encoding="utf-8")):
        target = (page.parent / path).resolve()
        if not target.is_file() or not target.is_relative_to(docs_dir.resolve()):
            raise OfflineDocsError(f"{page} names {path}, which is not in the Data Docs folder")


def _offline(base):
    """GE's view `base` with our templates in front of GE's own (GE's loader list puts any
    custom views folder after its own templates, so it cannot replace one)."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    class Offline(base):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.env.loader = ChoiceLoader([FileSystemLoader(TEMPLATES), self.env.loader])

    Offline.__name__ = Offline.__qualname__ = f"Offline{base.__name__.removeprefix('DefaultJinja')}"
    return Offline


_VIEWS = {
    "OfflinePageView": "DefaultJinjaPageView",
    "OfflineIndexPageView": "DefaultJinjaIndexPageView",
}
_built: dict[str, type] = {}


def __getattr__(name: str):
    """The view classes, made when GE instantiates them from the site configuration."""
    if name not in _VIEWS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _built:
        from great_expectations.render import view

        _built[name] = _offline(getattr(view, _VIEWS[name]))
    return _built[name]


def site_config(docs_dir: Path) -> dict:
    """The SiteBuilder configuration of the nianbao site, with the offline views."""
    page = {"module_name": __name__, "class_name": "OfflinePageView"}
    return {
        "class_name": "SiteBuilder",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir),
        },
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "view": {"module_name": __name__, "class_name": "OfflineIndexPageView"},
        },
        "site_section_builders": {
            "expectations": {"view": page},
            "validations": {"view": page},
            "profiling": {"view": page},
        },
    }
