//! Keyset ("seek") conditions: the rows strictly after a cursor position under an order on
//! `(column, id)`. Macros, because the column types differ per list.

/// Rows after `(value, id)` under `ORDER BY column <dir>, id <dir>` for a NOT NULL column.
/// `$op` is `gt` for ascending and `lt` for descending orders.
#[macro_export]
macro_rules! keyset {
    ($col:expr, $id:expr, $value:expr, $last_id:expr, $op:ident) => {{
        use diesel::prelude::*;
        $col.$op($value.clone())
            .or($col.eq($value).and($id.$op($last_id)))
    }};
}

/// Like [`keyset!`] for a nullable column whose NULLs sort last in both directions
/// (`ORDER BY column IS NULL, column <dir>, id <dir>`). `$value` is an `Option`.
#[macro_export]
macro_rules! keyset_nullable {
    ($col:expr, $id:expr, $value:expr, $last_id:expr, $op:ident) => {{
        use diesel::prelude::*;
        match $value {
            Some(v) => Box::new(
                $col.$op(v)
                    .or($col.eq(v).and($id.$op($last_id)))
                    .or($col.is_null()),
            )
                as Box<
                    dyn BoxableExpression<
                        _,
                        $crate::db::MultiBackend,
                        SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
                    >,
                >,
            None => Box::new($col.is_null().and($id.$op($last_id)).nullable()),
        }
    }};
}
