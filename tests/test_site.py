"""The static site's promise of no internet, without a browser: what a page may load and where the
assets come from (course_lib/site.py, course_lib/site_assets.py). tests/ui/site_check.py opens
the real pages in Chromium with every other host blocked."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from course_lib import site, site_assets

ROOT = Path(__file__).resolve().parent.parent


def test_a_page_loads_mathjax_requirejs_and_the_widget_manager_from_its_own_folder():
    exporter = site.exporter()
    for url in (exporter.require_js_url, exporter.mathjax_url, exporter.widget_renderer_url):
        assert url.startswith(site_assets.FOLDER + "/") and "//" not in url, url


def test_the_animation_players_font_awesome_is_pointed_at_the_sites_copy():
    page = '<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/font-awesome/4.4.0/css/font-awesome.min.css">'
    assert site.served_locally(page, "p.html") == f'<link rel="stylesheet" href="{site_assets.FONT_AWESOME_CSS}">'


@pytest.mark.parametrize("load", [
    '<script src="https://cdn.jsdelivr.net/npm/x.js"></script>',
    "<img src='//example.org/a.png'>",
    '<link href="http://fonts.example.org/a.css" rel="stylesheet">',
    "<style>@font-face { src: url(https://example.org/f.woff2) }</style>",
    '<style>@import "https://example.org/a.css";</style>',
    '<script type="module">await import("https://cdn.example.org/m.mjs")</script>',
])
def test_a_page_that_would_load_from_another_host_stops_the_build(load):
    with pytest.raises(site.LessonFailed, match="another host"):
        site.served_locally(f"<html>{load}</html>", "p.html")


def test_links_to_read_elsewhere_are_not_loads():
    page = '<a href="https://arxiv.org/abs/1412.6980">Adam</a> <img src="data:image/png;base64,AAAA">'
    assert site.served_locally(page, "p.html") == page


def test_every_lesson_states_its_time_for_the_index():
    lessons = site.find_lessons(ROOT)
    assert len(lessons) == len(list((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")))
    for lesson in lessons:
        assert lesson.summary and lesson.time.endswith(("minutes", "optional")), (lesson.number, lesson.time)


def _tarball(tmp_path: Path, package: site_assets.Package, files: dict[str, bytes]) -> Path:
    path = tmp_path / package.tarball
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_only_the_files_pages_load_are_copied(tmp_path):
    package = site_assets.Package("demo", "demo", "1.0.0", "", ("dist/", "LICENSE"), skip=(".map",))
    assert site_assets.wanted(package, "package/dist/embed-amd.js")
    assert site_assets.wanted(package, "package/LICENSE")
    assert not site_assets.wanted(package, "package/dist/embed-amd.js.map")
    assert not site_assets.wanted(package, "package/src/index.ts")
    assert not site_assets.wanted(package, "package/LICENSE.txt")


def test_a_tarball_that_is_not_the_published_one_is_refused(tmp_path):
    package = site_assets.BY_NAME["requirejs"]
    _tarball(tmp_path, package, {"require.js": b"// not the real require.js"})
    with pytest.raises(site_assets.AssetsUnavailable, match="sha512 differs"):
        site_assets.fetch(package, cache=tmp_path)


def test_a_published_tarball_is_used_from_the_cache_without_npm(tmp_path, monkeypatch):
    files = {"require.js": b"var requirejs;", "README.md": b"readme", "bin/r.js": b"x"}
    tarball = _tarball(tmp_path, site_assets.BY_NAME["requirejs"], files)
    package = site_assets.Package("requirejs", "requirejs", "2.3.8", site_assets.integrity_of(tarball),
                                  ("README.md", "require.js"))
    monkeypatch.setattr(site_assets.shutil, "which", lambda name: None)
    monkeypatch.setattr(site_assets, "PACKAGES", (package,))
    copied = site_assets.install(tmp_path / "site", cache=tmp_path)
    target = tmp_path / "site" / site_assets.FOLDER / "requirejs"
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == \
        ["README.md", "require.js"]
    assert copied == len(b"var requirejs;") + len(b"readme")


def test_without_npm_or_the_tarball_the_error_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(site_assets.shutil, "which", lambda name: None)
    with pytest.raises(site_assets.AssetsUnavailable, match=r"needs npm .* or put mathjax-2\.7\.9\.tgz"):
        site_assets.fetch(site_assets.BY_NAME["mathjax"], cache=tmp_path)


def test_the_pinned_integrities_are_sha512():
    for package in site_assets.PACKAGES:
        assert package.integrity.startswith("sha512-") and len(package.integrity) == 95, package.npm


def test_a_tarball_with_a_path_outside_its_folder_is_refused(tmp_path, monkeypatch):
    tarball = _tarball(tmp_path, site_assets.BY_NAME["requirejs"], {"require.js/../../../escaped.js": b"x"})
    package = site_assets.Package("requirejs", "requirejs", "2.3.8", site_assets.integrity_of(tarball),
                                  ("require.js/",))
    monkeypatch.setattr(site_assets, "PACKAGES", (package,))
    with pytest.raises(site_assets.AssetsUnavailable, match="outside its folder"):
        site_assets.install(tmp_path / "site", cache=tmp_path)
    assert not (tmp_path / "escaped.js").exists()
