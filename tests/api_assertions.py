"""Assertions on the API's answers, in its one error shape: {"error": {"code", "message", "details"}}."""


def assert_error(response, status: int, code: str) -> dict:
    """The API refused with `status` and error `code` (empathy_site/api/errors.py); returns the error body.

    Both, not the status alone: a 400 for the wrong reason (say a bad header instead of the bad field the
    test sends) would pass a status-only check.
    """
    assert response.status_code == status, (response.status_code, response.content[:300])
    error = response.json()["error"]
    assert {"code", "message", "details"} <= set(error) and error["message"], error
    assert error["code"] == code, error
    return error
