"""axe-core and the Content-Security-Policy, checked in headless Chromium on key pages."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
# Records what the page's CSP blocked; init scripts run before the page's own and are not
# subject to its policy.
_RECORD_CSP = (
    "window.__cspViolations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));"
)


def axe_violations(browser, url, impacts=BLOCKING_IMPACTS, color_scheme="light"):
    """['rule: help (n elements)'] for axe-core violations of the given impacts on `url`,
    with the browser in light or dark mode (the theme follows prefers-color-scheme)."""
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing; run `npm ci` (make test and make check do)")
    # axe is injected as a script: let it past the page's CSP, which is checked separately.
    context = browser.new_context(bypass_csp=True, color_scheme=color_scheme)
    try:
        page = context.new_page()
        page.goto(url, wait_until="networkidle")
        page.add_script_tag(path=str(AXE))
        results = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    finally:
        context.close()
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"({len(violation['nodes'])} element(s), e.g. {violation['nodes'][0]['target']})"
        for violation in results
        if violation["impact"] in impacts
    ]


def csp_violations(browser, url, after_load=None):
    """What the page's own Content-Security-Policy blocked while loading `url` (and while
    `after_load(page)` ran, e.g. typing a search)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(_RECORD_CSP)
        page.goto(url, wait_until="networkidle")
        if after_load:
            after_load(page)
        return page.evaluate("window.__cspViolations")
    finally:
        context.close()
