import logging
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dangjian.kit.idcard import make_id_number


def test_database_errors_do_not_carry_personal_data(session, caplog):
    number = make_id_number("430421", date(1980, 1, 1), 123)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DBAPIError) as error:
        with session.begin_nested():
            session.execute(text("INSERT INTO no_such_table (id_number) VALUES (:n)"), {"n": number})
    assert number not in str(error.value)
    assert number not in caplog.text
