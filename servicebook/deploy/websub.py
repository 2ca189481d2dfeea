"""Tell the site's WebSub hub which feeds a deploy changed.

Feed readers that speak WebSub (W3C, formerly PubSubHubbub) subscribe to the hub each feed
names (servicebook.feeds, with WEBSUB_HUB set) instead of polling the site; the hub pushes
a feed to them only after the site says it changed. So after a deploy we ping the hub once
per changed feed. A ping is a courtesy: readers still poll when it fails, so a failure is
a warning for the deploy to print, never an error that fails it.

Settings: FEED_DOMAIN, FEED_PATHS and CASEBOOK_FEED_PATHS (which uploaded files are feeds,
and their addresses); the caller passes WEBSUB_HUB to `ping`.
"""

import http.client
import urllib.error
import urllib.parse
import urllib.request
from pathlib import PurePosixPath

from servicebook.feeds import FeedPaths, feed_domain

# A deploy may upload precompressed copies beside a feed; they are the same feed.
COMPRESSED_SUFFIXES = (".gz", ".br")


def changed_feed_urls(uploaded, settings) -> list[str]:
    """The absolute URLs of the feeds among `uploaded` (posix paths relative to the public
    build), sorted, each once."""
    feeds = FeedPaths(settings)
    domain = feed_domain(settings)
    paths = {_uncompressed(str(PurePosixPath(path))) for path in uploaded}
    return sorted(f"{domain}/{path}" for path in paths if feeds.kind(path))


def _uncompressed(path):
    suffix = PurePosixPath(path).suffix
    return path.removesuffix(suffix) if suffix in COMPRESSED_SUFFIXES else path


def ping(hub, feed_urls, timeout=10, opener=urllib.request.urlopen) -> list[str]:
    """POST `hub.mode=publish&hub.url=FEED` to `hub` for each of `feed_urls`; return warnings
    (empty when the hub accepted every ping). The first connection error ends the pings: an
    unreachable hub would cost `timeout` per feed."""
    if not hub:
        return []
    feed_urls = list(feed_urls)
    warnings = []
    for done, feed_url in enumerate(feed_urls):
        try:
            status = _post_publish(hub, feed_url, timeout, opener)
        except urllib.error.HTTPError as error:
            error.close()  # its body is of no use to us; free the connection
            status = error.code
        except (OSError, http.client.HTTPException, ValueError) as error:
            not_announced = len(feed_urls) - done
            return [
                *warnings,
                f"WebSub: could not reach {hub} ({_reason(error)}); {not_announced} feed(s) not announced",
            ]
        if not 200 <= status < 300:
            warnings.append(f"WebSub: {hub} answered {status} for {feed_url}")
    return warnings


def _post_publish(hub, feed_url, timeout, opener):
    body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": feed_url}).encode("ascii")
    request = urllib.request.Request(
        hub, data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    with opener(request, timeout=timeout) as response:
        return response.status


def _reason(error):
    # URLError wraps the socket error ("[Errno 111] Connection refused") in `reason`.
    return str(getattr(error, "reason", None) or error) or type(error).__name__
