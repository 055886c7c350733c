//! The order in which a set of tables can be created: every table after those it references.

use super::TableMeta;

/// Orders `tables` so that every table comes after the tables it references (references to
/// tables outside the set and to itself are ignored). Cycles keep their given order.
pub fn in_dependency_order<'a>(tables: &[&'a TableMeta]) -> Vec<&'a TableMeta> {
    let mut placed: Vec<&'a TableMeta> = Vec::with_capacity(tables.len());
    let mut pending: Vec<&'a TableMeta> = tables.to_vec();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|t| {
            let ready = t.columns.iter().filter_map(|c| c.references).all(|fk| {
                fk.table == t.name
                    || placed.iter().any(|p| p.name == fk.table)
                    || !tables.iter().any(|o| o.name == fk.table)
            });
            if ready {
                placed.push(t);
            }
            !ready
        });
        if pending.len() == before {
            // A cycle: place the rest as given (the backend reports what it cannot create).
            placed.append(&mut pending);
        }
    }
    placed
}
