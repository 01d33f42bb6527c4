// Package replay checks recorded histories against the committed log, the
// way etcd's robustness suite validates watches: the log (every change of
// the test namespace, in revision order, as the collect-all watchers
// received it) is replayed into a State that answers "what did object k
// hold at revision R", and each checker compares what clients and watchers
// were told with it.
//
//   - CheckRevisions (P2): per client, revisions never go back, and every
//     read equals the replayed state at its revision.
//   - CheckWatches (P4): every watch session is ordered, unique, atomic,
//     reliable, bookmarkable, filter-matching and types its events right;
//     a broken session is resumed where it stopped.
//   - CheckCompaction (P6): "compacted" rejections are justified and
//     nothing is lost just after the revision a watch started from.
//   - CheckStreams (P5): every node's collect-all stream reaches the final
//     revision and all are identical.
//
// DESIGN.md explains which revisions are comparable and why.
package replay
