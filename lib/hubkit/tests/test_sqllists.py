"""A list reaches the database as one parameter: the same rows as a plain IN, one statement text whatever its length."""
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from hubkit.db import make_engine
from hubkit.sqllists import array_literal, array_of, one_of

pytestmark = pytest.mark.integration
TRICKY = ["plain", "", "NULL", "null", "with space", " padded ", "a,b", "{braces}", 'quote " inside', "back\\slash",
          "ligne\nsuivante", "tab\there", "\u0001", "é ✓ 😀", "'apostrophe'", "\"", "\\"]
METADATA = sa.MetaData()
ITEMS = sa.Table("sqllists_items", METADATA, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("name", sa.String(40)), sa.Column("flag", sa.Boolean), sa.Column("size", sa.Integer))


@pytest.fixture
def engine(infra_db):
    engine = make_engine(infra_db)
    METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(ITEMS.insert(), [{"id": number, "name": name, "flag": number % 2 == 0, "size": number}
                                            for number, name in enumerate(TRICKY, start=1)])
    yield engine
    engine.dispose()


def test_array_literal_quotes_what_postgresql_reads_back():
    assert array_literal(["a", "b c", None]) == '{"a","b c",null}'
    assert array_literal([1, 2, None]) == "{1,2,null}"
    assert array_literal([True, False]) == "{true,false}"
    assert array_literal([]) == "{}"
    assert array_literal(['a"b', "c\\d", None]) == '{"a\\"b","c\\\\d",NULL}'


@pytest.mark.parametrize("wanted", [[], ["plain"], TRICKY, TRICKY[::3] + ["absent"], ["NULL", "null", ""]])
def test_one_of_finds_the_same_rows_as_in(engine, wanted):
    postgresql = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        found = connection.execute(sa.select(ITEMS.c.name).where(one_of(ITEMS.c.name, wanted, postgresql))
                                   .order_by(ITEMS.c.id)).scalars().all()
    assert found == [name for name in TRICKY if name in wanted]


def test_one_statement_text_whatever_the_length(engine):
    postgresql = engine.dialect.name == "postgresql"
    texts = []
    event.listen(engine, "before_cursor_execute", lambda *args: texts.append(args[2]))
    with engine.connect() as connection:
        for length in (1, 5, 17):
            connection.execute(sa.select(ITEMS.c.id).where(one_of(ITEMS.c.name, TRICKY[:length], postgresql)))
            connection.execute(sa.select(ITEMS.c.id).where(one_of(ITEMS.c.size, list(range(length)), postgresql)))
    if postgresql:  # one text per column, whatever the length
        assert len(texts) == 6 and len(set(texts)) == 2 and all("ANY" in text for text in texts)
        assert "::VARCHAR" not in texts[0] and "VARCHAR(" not in texts[0]
    else:  # SQLite: IN, expanded by SQLAlchemy
        selects = [text for text in texts if text.startswith("SELECT")]
        assert len(selects) == 6 and all(" IN (" in text for text in selects)


def test_a_value_longer_than_the_column_is_never_cut_to_match(engine, database_kind):
    if database_kind != "postgresql":
        pytest.skip("SQLite does not cut strings")
    longer = TRICKY[1] + "x" * 60  # ITEMS.c.name is VARCHAR(40): a cast to it would cut this back to TRICKY[1]
    with engine.connect() as connection:
        found = connection.execute(sa.select(ITEMS.c.name).where(one_of(ITEMS.c.name, [longer], True))).all()
    assert found == []


def test_on_postgresql_arrays_of_every_type_unnest_back_to_the_values(engine, database_kind):
    if database_kind != "postgresql":
        pytest.skip("SQLite has no arrays")
    columns = (("name", sa.String(40), TRICKY + [None]), ("flag", sa.Boolean, [True, False, None] * 6),
               ("size", sa.Integer, list(range(17)) + [None]))
    rows = sa.func.unnest(*(array_of(name, type_) for name, type_, _ in columns)).table_valued(
        *(name for name, _, _ in columns)).render_derived("t")
    with engine.connect() as connection:
        back = connection.execute(sa.select(rows.c.name, rows.c.flag, rows.c.size),
                                  {name: values for name, _, values in columns}).all()
        text = connection.execute(sa.text("SELECT unnest(CAST(:names AS varchar[]))"),
                                  {"names": array_literal(TRICKY)}).scalars().all()
    assert back == list(zip(*(values for _, _, values in columns)))
    assert text == TRICKY


def test_on_postgresql_array_literals_keep_every_value(engine, database_kind):
    """What budget's voting sends in its fixed statements (`CAST(:v AS varchar[])` etc.)."""
    if database_kind != "postgresql":
        pytest.skip("array literals are PostgreSQL's")
    values = ["paris-19", "", "NULL", None, "a,b", "{x}", 'q"uote', "back\\slash", "tab\tand\nnewline", "é à ü"]
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT CAST(:v AS varchar[])"), {"v": array_literal(values)}).scalar() == \
            values
        assert connection.execute(sa.text("SELECT CAST(:v AS bigint[])"),
                                  {"v": array_literal([1, 9_007_199_254_740_993, None])}).scalar() == \
            [1, 9_007_199_254_740_993, None]
        assert connection.execute(sa.text("SELECT CAST(:v AS integer[])"), {"v": array_literal([])}).scalar() == []
