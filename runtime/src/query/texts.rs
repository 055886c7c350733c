//! Statement texts kept per thread by the statement's shape (what its text depends on, its
//! values left out): a plain insert's (`insert.rs`) and a plain select's (`select_texts.rs`).
//! Per thread, so that no lock stands on the way to a statement; each store holds at most
//! [`SHAPES_KEPT`] shapes and is emptied when full.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hash;
use std::thread::LocalKey;

/// Shapes a store keeps before it is emptied.
const SHAPES_KEPT: usize = 256;

/// A thread's store: what is kept for each shape.
pub(crate) type Texts<K, V> = RefCell<HashMap<K, V, foldhash::fast::RandomState>>;

/// `read` of what `store` keeps for `shape`; `None` when nothing is (or the thread's store is
/// gone, as the thread ends).
pub(crate) fn find<K: Hash + Eq, V, R>(
    store: &'static LocalKey<Texts<K, V>>,
    shape: &K,
    read: impl FnOnce(&V) -> R,
) -> Option<R> {
    store
        .try_with(|texts| texts.borrow().get(shape).map(read))
        .ok()
        .flatten()
}

/// Keeps `value` for `shape` in `store`, emptying the store first when it is full.
pub(crate) fn keep<K: Hash + Eq, V>(store: &'static LocalKey<Texts<K, V>>, shape: K, value: V) {
    let _ = store.try_with(|texts| {
        let mut texts = texts.borrow_mut();
        if texts.len() >= SHAPES_KEPT {
            texts.clear();
        }
        texts.insert(shape, value);
    });
}
