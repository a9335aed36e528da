/* lib/mailbox.h - the one cross-thread queue: many senders, one receiver, an eventfd a libuv loop polls. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_LIB_MAILBOX_H
#define HGW_LIB_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/*
 * Every thread boundary in the daemon goes through a mailbox: NETCONF
 * threads -> the control-plane loop (loop_call), the loop -> the BFD thread
 * (calls) and back (state changes), the loop -> the FIB sender thread
 * (netlink batches), and next the ESP dataplane -> the loop.
 *
 * A message is the sender's struct with a struct mailbox_msg embedded (find
 * it again with mailbox_entry()). Two ways to send:
 *  - mailbox_post(): fire and forget. The message (heap) now belongs to the
 *    receiver: its fn, or whoever takes it, frees it.
 *  - mailbox_call(): run and wait. The message (typically on the caller's
 *    stack) stays the caller's; mailbox_call returns fn's result once the
 *    receiver ran it.
 * Messages are received in the order they were queued, one at a time.
 *
 * Two kinds of receiver:
 *  - a libuv loop: mailbox_attach() polls the mailbox's eventfd on that
 *    loop and runs each message's fn there. An eventfd, not a uv_async_t:
 *    libuv 1.44's async receiver spins while a sender is between the two
 *    steps of uv_async_send, and a SCHED_FIFO receiver (the BFD thread)
 *    that preempted that sender on the same CPU spun until the kernel's
 *    real-time throttle (~1 s). An eventfd write has no such window.
 *  - a plain thread: mailbox_take() blocks (on a condition variable) until
 *    a message comes or the mailbox is closed, and the thread reports each
 *    message handled with mailbox_done().
 *
 * Depth: a message counts as busy from its post until it is handled (fn
 * returned, or mailbox_done), with a caller-chosen weight (e.g. requests in
 * a batch); senders can wait for the depth to fall (backpressure) or read
 * it. A bound (max_posts) refuses posts while that many are queued; calls
 * are never refused (their number is bounded by the waiting threads).
 *
 * All functions are thread-safe except mailbox_new/attach/free, which
 * belong to the owner while no other thread uses the mailbox.
 */
struct mailbox;
struct mailbox_msg;

/* Run on the receiver; for a call its result is mailbox_call's. For a
 * post, fn owns the message (frees it); for a call it must not free it. */
typedef int (*mailbox_fn)(struct mailbox_msg *, void *arg);

struct mailbox_msg {
	struct mailbox_msg *next;
	mailbox_fn	    fn; /* NULL: for mailbox_take() receivers */
	void		   *arg;
	size_t		    weight; /* counted in mailbox_busy() */
	/* a call's rendezvous (set by mailbox_call) */
	bool is_call;
	bool done;
	int  ret;
};

#define mailbox_entry(msg, type, member) \
	((type *)(void *)((char *)(msg)-offsetof(type, member)))

/* max_posts 0 = unbounded. NULL on out-of-memory or no eventfd. */
struct mailbox *mailbox_new(size_t max_posts);
/* Receive on loop (its thread runs the fns). Before any other thread uses
 * the mailbox. keep_alive false: the poll does not keep the loop running
 * (uv_unref). 0 or a libuv error (detach or free the mailbox then). */
int mailbox_attach(struct mailbox *, uv_loop_t *, bool keep_alive);
/* Stop receiving on the loop (from the loop's thread): the poll handle is
 * closed; the mailbox must outlive that loop's next turn (or loop close). */
void mailbox_detach(struct mailbox *);
/* Messages still queued are not freed (mailbox_purge them first). When the
 * poll handle is still open, the memory goes once the loop has closed it. */
void mailbox_free(struct mailbox *);

/* Queue m (fn, arg, weight filled in by the sender). 0, -ENOBUFS when the
 * bound is reached, -EPIPE once closed (m stays the sender's then). */
int mailbox_post(struct mailbox *, struct mailbox_msg *m);
/* Queue m and wait until the receiver ran m->fn; returns its result, or
 * -EPIPE if the mailbox was closed. Never from the receiving thread (it
 * would wait for itself): callers check that and run fn directly. */
int mailbox_call(struct mailbox *, struct mailbox_msg *m);

/* Receiver side, for a plain thread: the next message (blocking while the
 * queue is empty when wait), or NULL when closed and empty (or !wait and
 * empty). Each message taken is handled, then reported with mailbox_done
 * (before it is freed: the weight is read). */
struct mailbox_msg *mailbox_take(struct mailbox *, bool wait);
void		    mailbox_done(struct mailbox *, struct mailbox_msg *, int ret);
/* Receiver side, for a loop or a thread polling mailbox_fd() itself: run
 * up to max queued messages (0 = until empty); returns how many ran. */
size_t mailbox_run(struct mailbox *, size_t max);
int    mailbox_fd(struct mailbox *);

/* Posts are refused from now on; a receiver blocked in mailbox_take
 * returns NULL once the queue is empty. */
void mailbox_close(struct mailbox *);
/* Remove queued messages (not yet taken) for which match(m, arg) holds
 * (match NULL: all) and hand each to drop (may be NULL). Returns how many. */
size_t mailbox_purge(struct mailbox *, bool (*match)(const struct mailbox_msg *, void *),
    void *arg, void (*drop)(struct mailbox_msg *));

/* Messages posted and not yet handled, and the sum of their weights. */
size_t mailbox_busy(struct mailbox *, size_t *weight);
/* Wait until fewer than max messages are busy (max >= 1; 1 = until all
 * are handled). */
void mailbox_wait_below(struct mailbox *, size_t max);

#endif
