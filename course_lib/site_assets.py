"""What the static site serves itself, so that its pages work with no internet.

A lesson page needs four things from outside nbconvert: MathJax to typeset the
formulas, require.js and the Jupyter widget manager (@jupyter-widgets/html-manager,
the 1.x line that reads ipywidgets 8's state) to draw the explorers from their
saved state, and Font Awesome for the buttons of matplotlib's animation player.
nbconvert would load them from CDNs; the site copies them into ``site/assets/``
instead, from the packages' own releases on the npm registry, pinned by version
and by the registry's sha512 integrity, so every page loads only from its own
folder, served over HTTP or opened from disk.

The tarballs are fetched once with ``npm pack`` (which uses the machine's npm
settings: registry, proxy, cache) into ``.cache/site-assets/`` and checked
against their integrity before a single file is used; later builds use the
cache and need no network. Where npm is missing, the same tarballs put in that
folder by hand work too. Only the files a page loads are copied (the widget
manager's AMD bundle, its chunks and fonts; MathJax's TeX input, CommonHTML
output and its woff fonts): 14 MB of the packages' 100.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "site-assets"
FOLDER = "assets"   # inside the site: pages refer to assets/<name>/...


@dataclass(frozen=True)
class Package:
    name: str          # where it goes: assets/<name>/
    npm: str           # the npm package
    version: str
    integrity: str     # the registry's dist.integrity for that version
    keep: tuple[str, ...]   # paths inside the package (a folder ends with /) that pages load
    skip: tuple[str, ...] = ()   # file name endings not needed (source maps)

    @property
    def tarball(self) -> str:
        return f"{self.npm.lstrip('@').replace('/', '-')}-{self.version}.tgz"


PACKAGES = (
    Package("mathjax", "mathjax", "2.7.9",
            "sha512-NOGEDTIM9+MrsqnjPEjVGNx4q0GQxqm61yQwSK+/5S59i26wId5IC5gNu9/bu8+CCVl5p9G2IHcAl/wJa+5+BQ==",
            ("LICENSE", "MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "extensions/", "jax/element/",
             "jax/input/TeX/", "jax/output/CommonHTML/", "fonts/HTML-CSS/TeX/woff/")),
    Package("requirejs", "requirejs", "2.3.8",
            "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
            ("README.md", "require.js")),
    Package("html-manager", "@jupyter-widgets/html-manager", "1.0.7",
            "sha512-2xGwS7vVd2RGlKMiSqj1vYv2X59V73ygefUodhzy9Bho0mswWT/yo3Cg7MaYOqwozQjNo5k3rbJ3cETXWUwJ/g==",
            ("LICENSE", "dist/"), skip=(".map", "/embed.js", "/libembed-amd.js", ".LICENSE.txt")),
    Package("font-awesome", "font-awesome", "4.7.0",
            "sha512-U6kGnykA/6bFmg1M/oT9EkFeIYv7JlX3bozwQJWiiLz6L0w3F5vBVPxHlwyX/vtNq1ckcpRKOB9f2Qal/VtFpg==",
            ("README.md", "css/font-awesome.min.css", "fonts/")),
)
BY_NAME = {package.name: package for package in PACKAGES}

# What a page loads, from its own folder (nbconvert's HTMLExporter settings of the same names).
REQUIRE_JS_URL = f"{FOLDER}/requirejs/require.js"
MATHJAX_URL = f"{FOLDER}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"   # as nbconvert's default config
WIDGET_RENDERER_URL = f"{FOLDER}/html-manager/dist/embed-amd.js"
FONT_AWESOME_CSS = f"{FOLDER}/font-awesome/css/font-awesome.min.css"


class AssetsUnavailable(RuntimeError):
    """A package could not be fetched or failed its integrity check; the message says what to do."""


def integrity_of(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fetch(package: Package, cache: Path = CACHE) -> Path:
    """The package's tarball in the cache, fetched with npm if it is not there, checked either way."""
    path = cache / package.tarball
    if not path.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise AssetsUnavailable(
                f"the site serves {package.npm} {package.version} itself and it is not in {cache} yet; "
                f"fetching it needs npm (Node.js: sudo apt-get install npm), once, or put {package.tarball} "
                f"(npm pack {package.npm}@{package.version}) in that folder")
        cache.mkdir(parents=True, exist_ok=True)
        result = subprocess.run([npm, "pack", f"{package.npm}@{package.version}", "--pack-destination", str(cache),
                                 "--silent"], capture_output=True, text=True, timeout=600)
        if result.returncode != 0 or not path.exists():
            raise AssetsUnavailable(f"npm could not fetch {package.npm}@{package.version} "
                                    f"({(result.stderr or result.stdout).strip()[-300:]}); check the network "
                                    f"or the npm registry setting (npm config get registry), or put "
                                    f"{package.tarball} in {cache}")
    found = integrity_of(path)
    if found != package.integrity:
        raise AssetsUnavailable(f"{path} is not {package.npm}@{package.version} as published (its sha512 differs): "
                                f"delete it and build again")
    return path


def wanted(package: Package, member: str) -> bool:
    inside = member.removeprefix("package/")
    return (any(inside == keep or (keep.endswith("/") and inside.startswith(keep)) for keep in package.keep)
            and not any(("/" + inside).endswith(end) for end in package.skip))


def install(site: Path, cache: Path = CACHE) -> int:
    """Copy every package's files that pages load into site/assets/; returns the bytes copied."""
    copied = 0
    for package in PACKAGES:
        tarball = fetch(package, cache)
        target = site / FOLDER / package.name
        with tarfile.open(tarball) as archive:
            for member in archive.getmembers():
                if not (member.isfile() and wanted(package, member.name)):   # no links, no devices
                    continue
                relative = PurePosixPath(member.name.removeprefix("package/"))
                if relative.is_absolute() or ".." in relative.parts:
                    raise AssetsUnavailable(f"{tarball} holds a path outside its folder: {member.name}")
                path = target.joinpath(*relative.parts)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(archive.extractfile(member).read())
                copied += member.size
    return copied
