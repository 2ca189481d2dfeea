import pytest

from servicebook import site
from servicebook.pagefind import wait_for_index


@pytest.fixture(autouse=True)
def no_search_index_outlives_its_test():
    """A build with SEARCH_INDEX_IN_BACKGROUND finishes its index after returning: let it end
    within the test that started it, not write into the next one."""
    yield
    wait_for_index()


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
