"""The page world: the development server (serve), the page's JavaScript packages
(web_packages), the test files packed for a page (bundles), and what runs the suite in
Chromium, Firefox and WebKit (browser_tests over Playwright, bidi over WebDriver BiDi, webkit
over classic WebDriver, both behind driven_page). May import core, versions, testing,
toolchains, steps and packages (it uses all but steps and packages).
"""
