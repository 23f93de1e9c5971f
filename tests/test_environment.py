"""The environment the project installs: bounded dependencies, a lock that matches them, and a Solara
whose page finds every front-end bundle it names in the installed solara-assets.

Solara's page template loads its front end from `{{cdn}}/<package>@<version>/...`;
with solara-assets installed, those paths are served from the files that
package puts under `<prefix>/share/solara/cdn/`, and nothing is fetched from a
CDN. A solara-assets of another version than Solara's lacks some of them, and
the page stays blank.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
CDN_REFERENCE = re.compile(r"\{\{\s*cdn\s*\}\}([^\"'\s>]+)")


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"].values()
    return [Requirement(r) for r in [*project["dependencies"], *(r for group in extras for r in group)]]


def locked_versions() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def test_every_dependency_has_an_upper_bound():
    unbounded = [str(r) for r in project_requirements() if not any(s.operator in ("<", "<=", "==", "~=")
                                                                      for s in r.specifier)]
    assert unbounded == []


def test_the_lock_pins_every_dependency_within_its_declared_range():
    pins = locked_versions()
    for requirement in project_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in constraints.txt: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject.toml's {requirement.specifier}")


def test_the_lock_keeps_solara_and_its_assets_at_one_version():
    pins = locked_versions()
    assert pins["solara"] == pins["solara-assets"] == pins["solara-server"] == pins["solara-ui"]


def template_references(template: str, ipywidgets_major: int, fontawesome_path: str) -> set[str]:
    """The paths under the CDN that a Solara page template loads, with its variables filled in."""
    refs = set()
    for ref in CDN_REFERENCE.findall(template):
        ref = re.sub(r"\{\{\s*ipywidget_major_version\s*\}\}", str(ipywidgets_major), ref)
        ref = re.sub(r"\{\{\s*assets\.fontawesome_path\s*\}\}", fontawesome_path, ref)
        assert "{" not in ref, f"the page template uses a variable this test does not know: {ref}"
        refs.add(ref.lstrip("/"))
    return refs


def test_template_references_fill_in_the_widget_version_and_font_path():
    template = ('<link href="{{cdn}}/@w/app@1.0/dist/main{{ipywidget_major_version}}.css">'
                '<link href="{{ cdn }}{{assets.fontawesome_path}}"><script src="{{cdn}}/require@2/r.js">')
    assert template_references(template, 8, "/fa@4/fa.css") == {"@w/app@1.0/dist/main8.css", "fa@4/fa.css",
                                                                  "require@2/r.js"}


def test_solara_assets_hold_every_bundle_the_page_template_loads():
    pytest.importorskip("solara", reason="the explorer's extra is not installed")
    import ipywidgets
    import solara.server
    from solara.server.settings import assets

    assert metadata.version("solara") == metadata.version("solara-assets")
    template = (Path(solara.server.__file__).parent / "templates" / "solara.html.j2").read_text(encoding="utf-8")
    references = template_references(template, int(ipywidgets.__version__.split(".")[0]), assets.fontawesome_path)
    assert len(references) >= 5          # both front ends (Vuetify 2 and 3), fonts, styles and require.js
    cdn = Path(assets.proxy_cache_dir)
    missing = sorted(ref for ref in references if not (cdn / ref).is_file())
    assert missing == [], f"solara-assets {metadata.version('solara-assets')} lacks what solara " \
                          f"{metadata.version('solara')}'s page loads from {cdn}"
