"""The civicnews Datasette plugin: Vietnamese search and a readable articles table.

Installed with civicnews (entry point ``civicnews`` in the ``datasette`` group), so
``datasette archive.db`` loads it by itself.  It gives every connection to a civicnews
archive (a database with ``articles_fts``):

- ``civicnews_fold(text)``: the folding of the archive's folded index
  (:func:`civicnews.text.fold`: case and every diacritic, đ included);
- ``civicnews_fts(query[, exact])``: the FTS5 expression ``civicnews search`` runs
  (:func:`civicnews.archive.search.fts_query`), folded unless ``exact`` is true, for the
  named query ``search``;
- ``escape_fts(query)``, Datasette's own function behind a table's search box, folded
  first: the folded index holds "dong da" for "Đống Đa", and SQLite's tokenizer folds
  every diacritic but đ, so "Đống Đa" typed in the box found nothing.

and a ``year`` facet type (``{"year": "published_at"}`` in metadata): the first four
characters of a date column, selected with Datasette's own ``__startswith`` filter.
The articles table lists a few columns, not whole bodies
(``templates/_table-table-archive-articles.html``; the row page shows everything).
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_fts, escape_sqlite, path_with_added_args, path_with_removed_args

from civicnews.archive.query import INDEXES, fts_query
from civicnews.text import fold


def civicnews_fts(query: str, exact: int = 0) -> str:
    return fts_query(query, exact=bool(exact))


def _folded_escape_fts(query: str) -> str:
    return escape_fts(fold(query))


def _is_archive(conn) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (INDEXES[False],)
    ).fetchone()
    return found is not None


# trylast: after Datasette's own prepare_connection, so this escape_fts replaces its own.
@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("civicnews_fold", 1, fold, deterministic=True)
    conn.create_function("civicnews_fts", 1, civicnews_fts, deterministic=True)
    conn.create_function("civicnews_fts", 2, civicnews_fts, deterministic=True)
    if _is_archive(conn):
        conn.create_function("escape_fts", 1, _folded_escape_fts, deterministic=True)


class YearFacet(Facet):
    """Rows per year of a date column ("YYYY-..." text), like Datasette's date facet."""

    type = "year"

    async def facet_results(self):
        results, timed_out = [], []
        args = dict(self.get_querystring_pairs())
        size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            col = escape_sqlite(column)
            sql = (
                f"SELECT substr({col}, 1, 4) AS value, count(*) AS count FROM ({self.sql}) "
                f"WHERE {col} GLOB '[0-9][0-9][0-9][0-9]*' GROUP BY value "
                f"ORDER BY value DESC LIMIT {size + 1}"
            )
            try:
                rows = await self.ds.execute(
                    self.database,
                    sql,
                    self.params,
                    truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(column)  # Datasette shows it as timed out, like its own
                continue
            key = f"{column}__startswith"
            values = []
            for row in rows.rows[:size]:
                selected = args.get(key) == row["value"]
                path = (
                    path_with_removed_args(self.request, {key: row["value"]})
                    if selected
                    else path_with_added_args(self.request, {key: row["value"]})
                )
                values.append(
                    {
                        "value": row["value"],
                        "label": row["value"],
                        "count": row["count"],
                        "toggle_url": self.ds.absolute_url(self.request, path),
                        "selected": selected,
                    }
                )
            results.append(
                {
                    "name": column,
                    "type": self.type,
                    "results": values,
                    "hideable": source_and_config["source"] != "metadata",
                    "toggle_url": path_with_removed_args(self.request, {"_facet_year": column}),
                    "truncated": len(rows.rows) > size,
                }
            )
        return results, timed_out


@hookimpl
def register_facet_classes():
    return [YearFacet]
