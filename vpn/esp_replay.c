/* vpn/esp_replay.c - the ESP anti-replay window (RFC 4303 3.4.3, Appendix A), with ESN high-bit inference, O(1) per packet. */
/* SPDX-License-Identifier: ISC */
#include "vpn/esp_local.h"

#include <errno.h>
#include <string.h>

/*
 * The bitmap is a ring of 64-bit words indexed by the sequence number itself
 * (bit s & 63 of word (s >> 6) mod nwords), so that moving the window forward
 * clears the words it enters instead of shifting the whole map: the cost per
 * packet is bounded by the ring's size, never by the jump. The ring holds one
 * word more than the window needs, so the word being entered is never one the
 * window still covers.
 */

static void
replay_lock(struct esp_replay *r)
{
	while (atomic_flag_test_and_set_explicit(&r->lock, memory_order_acquire))
		esp_cpu_relax();
}

static void
replay_unlock(struct esp_replay *r)
{
	atomic_flag_clear_explicit(&r->lock, memory_order_release);
}

int
esp_replay_init(struct esp_replay *r, uint32_t window, bool esn)
{
	uint32_t words = 2;

	if (window > ESP_REPLAY_MAX)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	atomic_flag_clear(&r->lock);
	r->window = window;
	r->esn = esn;
	while (words * 64 < window + 64)
		words <<= 1;
	r->mask = words - 1;
	return 0;
}

void
esp_replay_set_top(struct esp_replay *r, uint64_t top)
{
	replay_lock(r);
	memset(r->bits, 0, sizeof(r->bits));
	r->top = top;
	if (top != 0)
		r->bits[(top >> 6) & r->mask] |= 1ULL << (top & 63);
	replay_unlock(r);
}

uint64_t
esp_replay_top(struct esp_replay *r)
{
	uint64_t t;

	replay_lock(r);
	t = r->top;
	replay_unlock(r);
	return t;
}

/*
 * The full sequence number of a received low half (RFC 4303 A2.1). Without
 * ESN the high half is always zero. With the window off, inference still
 * needs a window: a nominal 64 packets. Returns false when the number
 * can only lie below zero (the window spans the start of the space).
 */
static bool
replay_infer(const struct esp_replay *r, uint32_t seq, uint64_t *full)
{
	uint32_t tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32);
	uint32_t w = r->window ? r->window : 64;

	if (!r->esn) {
		*full = seq;
		return true;
	}
	if (tl >= w - 1) {
		/* Case A: the window lies within one 2^32 subspace. */
		if (seq >= tl - w + 1)
			*full = (uint64_t)th << 32 | seq;
		else if (th == UINT32_MAX)
			return false;
		else
			*full = (uint64_t)(th + 1) << 32 | seq;
	} else {
		/* Case B: it spans two; tl - w + 1 wraps below zero. */
		if (seq >= tl - w + 1) {
			if (th == 0)
				return false;
			*full = (uint64_t)(th - 1) << 32 | seq;
		} else
			*full = (uint64_t)th << 32 | seq;
	}
	return true;
}

/* Is `full` new? Called with the lock held. */
static enum esp_err
replay_test(const struct esp_replay *r, uint64_t full)
{
	if (full == 0) /* the first packet is number 1 (RFC 4303 3.3.3) */
		return ESP_ERR_REPLAY;
	if (r->window == 0 || full > r->top)
		return ESP_OK;
	if (r->top - full >= r->window)
		return ESP_ERR_REPLAY; /* left of the window */
	if (r->bits[(full >> 6) & r->mask] & (1ULL << (full & 63)))
		return ESP_ERR_REPLAY; /* seen */
	return ESP_OK;
}

enum esp_err
esp_replay_check(struct esp_replay *r, uint32_t seq, uint64_t *full)
{
	enum esp_err e;

	replay_lock(r);
	if (!replay_infer(r, seq, full))
		e = ESP_ERR_REPLAY;
	else
		e = replay_test(r, *full);
	replay_unlock(r);
	return e;
}

/*
 * After the packet passed its integrity check (RFC 4303 3.4.3: the window
 * moves only for authentic packets). Checked again under the lock, since
 * another thread may have accepted the same number, or moved the window
 * past it, in between.
 */
enum esp_err
esp_replay_update(struct esp_replay *r, uint64_t full)
{
	enum esp_err e;
	uint64_t     from, to;

	replay_lock(r);
	e = replay_test(r, full);
	if (e != ESP_OK)
		goto out;
	if (full > r->top) {
		/* Clear the words the window enters, at most the whole ring. */
		from = (r->top >> 6) + 1;
		to = full >> 6;
		if (to >= from && to - from > r->mask)
			from = to - r->mask;
		for (uint64_t i = from; i <= to; i++)
			r->bits[i & r->mask] = 0;
		r->top = full;
	}
	if (r->window != 0)
		r->bits[(full >> 6) & r->mask] |= 1ULL << (full & 63);
out:
	replay_unlock(r);
	return e;
}
