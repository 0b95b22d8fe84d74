import re

from tests.web.conftest import screenshot, sign_in


def test_wrong_password_shows_the_server_message(page_as):
    page = page_as()
    assert page.goto("/login").ok
    page.fill("input[name=username]", "county")
    page.fill("input[name=password]", "wrong-password!")
    page.click("button[type=submit]")
    assert page.locator("[data-test=login-error]").inner_text().strip() == "用户名或密码错误"


def test_sign_in_shows_user_and_scope_and_sign_out_returns_to_login(page_as):
    page = page_as("county")
    assert page.locator("[data-test=user-name]").inner_text() == "衡阳县委组织部"
    assert "本组织及以下" in page.locator("[data-test=user-scope]").inner_text()
    screenshot(page, "after-login")
    page.click("[data-test=logout]")
    page.wait_for_url("**/login")
    page.goto("/members")
    page.wait_for_url(re.compile(r"/login\?redirect="))


def test_unauthenticated_deep_link_returns_after_login(page_as):
    page = page_as()
    page.goto("/orgs")
    page.wait_for_url(re.compile(r"/login\?redirect="))
    sign_in(page, "township", navigate=False)
    page.wait_for_url("**/orgs")
    assert page.url.endswith("/orgs")
