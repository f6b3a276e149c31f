//! Room to recurse. Lowering and writing follow the shape of the user's query, so a deep one
//! (an `F("views") + 1` chained ten thousand times, a shell line of nested parentheses) would
//! overflow a thread's stack, which aborts the whole process and cannot be caught. Each step
//! of such a recursion runs through [`with_stack`]: when the stack runs low, the step goes on
//! on a fresh segment allocated on the heap.

/// Stack left below which a recursive step moves to a new segment. Generous: in a debug
/// build one level of expression lowering takes about 10 KiB, and the stack is looked at only
/// every [`CHECK_EVERY`] levels.
const RED_ZONE: usize = 512 * 1024;
/// The size of each new segment.
const SEGMENT: usize = 4 * 1024 * 1024;

/// How many levels of a recursion may pass between two looks at the stack: a look costs a
/// few dozen instructions, and the red zone is ample for 8 levels of any step here.
pub const CHECK_EVERY: usize = 8;

/// Runs one step of a recursion over user input with enough stack for it.
#[inline]
pub fn with_stack<R>(step: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, step)
}

/// Runs a step at recursion depth `depth`, looking at the stack only every
/// `CHECK_EVERY` levels (so a shallow query pays nothing).
#[inline]
pub fn at_depth<R>(depth: usize, step: impl FnOnce() -> R) -> R {
    if depth % CHECK_EVERY == CHECK_EVERY - 1 {
        with_stack(step)
    } else {
        step()
    }
}
