import pytest

from servicebook import site


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """The real sample site, built once per test session with the dev settings."""
    output = tmp_path_factory.mktemp("site")
    cache = tmp_path_factory.mktemp("cache")
    result = site.build(OUTPUT_PATH=output, CACHE_PATH=cache)
    return result


@pytest.fixture(scope="session")
def published_site(tmp_path_factory):
    """The real sample site built with publishconf.py."""
    output = tmp_path_factory.mktemp("published")
    return site.build(site.PUBLISHCONF, OUTPUT_PATH=output)
