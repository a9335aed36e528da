/* northbound/nb_nc_xpath.c - a client's XPath filter evaluated in a child process, under a time limit. */
/* SPDX-License-Identifier: ISC */
#include "northbound/nb_netconf_local.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"

/*
 * libyang's XPath evaluation has no bound on its time and no way to stop
 * it: a short filter with nested descendant steps inside predicates takes
 * minutes over a configuration of a few dozen nodes (the inputs in
 * tests/fuzz/regress/fuzz_northbound_filter/timeout-*), and a comparison
 * of two node sets grows with the square of the RIB. So a client's XPath
 * that can take long is evaluated in a child forked for it (one that
 * cannot, nbnc_xpath_is_simple(), in-process): the child sees the data tree as
 * it was (copy-on-write), evaluates, and writes back which nodes matched
 * as their positions in a depth-first walk of the tree; the parent reads
 * them within the time limit, maps the positions onto its own tree, and
 * kills the child when the limit passes. A crash inside libyang's
 * evaluation ends the child only.
 *
 * fork() copies the calling thread alone. If another thread held a lock
 * the child needs (libyang's dictionary; glibc resets malloc's own), the
 * child waits forever: a child that ran out of time having used little
 * CPU was blocked, not evaluating, and is tried once more.
 */

static unsigned xpath_limit_ms = NBNC_XPATH_LIMIT_MS;
/* Requests' evaluations running now, and how many may: the NETCONF poll
 * threads less one, so that slow filters never hold every thread. */
static atomic_uint xpath_running;
static unsigned	   xpath_slots = 2;

/* The child's own memory may grow this much over what it started with. */
#define CHILD_MEM_MAX (512UL << 20)

enum reply_kind { REPLY_NODES, REPLY_ERROR };
struct reply_hdr {
	uint32_t kind;	/* enum reply_kind */
	uint32_t count; /* REPLY_NODES: positions that follow */
};

void
nbnc_xpath_set_limit(unsigned ms)
{
	xpath_limit_ms = ms ? ms : NBNC_XPATH_LIMIT_MS;
}

void
nbnc_xpath_set_slots(unsigned n)
{
	xpath_slots = n;
}

/* Call fn on every node of the sibling list at first and below, depth
 * first, with its position; the count of nodes. */
static size_t
tree_walk(const struct lyd_node *first, void (*fn)(struct lyd_node *, uint32_t, void *),
    void			*arg)
{
	const struct lyd_node *top;
	struct lyd_node	      *n;
	size_t		       i = 0;

	LY_LIST_FOR(first, top) {
		LYD_TREE_DFS_BEGIN(top, n) {
			if (fn)
				fn(n, (uint32_t)i, arg);
			i++;
			LYD_TREE_DFS_END(top, n);
		}
	}
	return i;
}

/* ------------------------------------------------------------- child */

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;

	return x < y ? -1 : x > y;
}

struct child_pos {
	void	**sorted; /* the matched nodes, by address */
	size_t	  n;
	uint32_t *out;
	uint32_t  count;
};

static void
child_pos_add(struct lyd_node *node, uint32_t pos, void *arg)
{
	struct child_pos *cp = arg;
	void		 *key = node;

	if (bsearch(&key, cp->sorted, cp->n, sizeof(void *), cmp_ptr))
		cp->out[cp->count++] = pos;
}

static bool
write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

/* The child's memory: at most CHILD_MEM_MAX more than it has now (its
 * mappings include a sanitizer's shadow, so no absolute limit fits). */
static void
child_limit_memory(void)
{
	FILE	     *f = fopen("/proc/self/status", "r");
	char	      line[128];
	unsigned long kb = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmData: %lu kB", &kb) == 1)
			break;
	fclose(f);
	if (kb) {
		struct rlimit rl = { kb * 1024 + CHILD_MEM_MAX, kb * 1024 + CHILD_MEM_MAX };

		setrlimit(RLIMIT_DATA, &rl);
	}
}

static void __attribute__((noreturn)) child_run(int fd, pid_t parent,
    const struct lyd_node *data, const char *xpath, unsigned limit_ms)
{
	struct rlimit	 cpu = { limit_ms / 1000 + 2, limit_ms / 1000 + 3 };
	struct ly_set	*set = NULL;
	struct reply_hdr hdr = { REPLY_NODES, 0 };
	struct child_pos cp = { 0 };
	bool		 ok;

	prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives the parent */
	if (getppid() != parent)
		_exit(1); /* it died before that was set */
	/* nothing of the parent's but its reply: no session's socket stays
	 * open in here, no other evaluator's pipe */
	if (fd > 3)
		close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0U, 0);
	setrlimit(RLIMIT_CPU, &cpu);
	child_limit_memory();
	if (lyd_find_xpath(data, xpath, &set) != LY_SUCCESS) {
		struct nb_err nb = { 0 };

		nb_err_from_ly(&nb, "XPath filter");
		hdr.kind = REPLY_ERROR;
		_exit(write_all(fd, &hdr, sizeof(hdr)) && write_all(fd, &nb, sizeof(nb)) ? 0 :
											   1);
	}
	cp.n = set->count;
	cp.sorted = malloc((set->count + 1) * sizeof(void *));
	cp.out = malloc((set->count + 1) * sizeof(uint32_t));
	if (!cp.sorted || !cp.out)
		_exit(1);
	memcpy(cp.sorted, set->objs, set->count * sizeof(void *));
	qsort(cp.sorted, cp.n, sizeof(void *), cmp_ptr);
	tree_walk(data, child_pos_add, &cp);
	hdr.count = cp.count;
	ok = write_all(fd, &hdr, sizeof(hdr)) &&
	    write_all(fd, cp.out, cp.count * sizeof(uint32_t));
	_exit(ok ? 0 : 1);
}

/* ------------------------------------------------------------ parent */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct attempt {
	uint8_t *buf; /* the child's reply */
	size_t	 len, cap;
	bool	 timed_out;
	bool	 eof;	   /* the reply is whole, or the child closed its end */
	int	 status;   /* wait status */
	uint64_t cpu_ms;   /* what the child used */
	int	 spawn_rc; /* fork/pipe failure: -errno */
};

/* Has the whole reply arrived (its header says how long it is)? */
static bool
reply_complete(const struct attempt *a)
{
	struct reply_hdr hdr;

	if (a->len < sizeof(hdr))
		return false;
	memcpy(&hdr, a->buf, sizeof(hdr));
	if (hdr.kind == REPLY_ERROR)
		return a->len >= sizeof(hdr) + sizeof(struct nb_err);
	return a->len >= sizeof(hdr) + (size_t)hdr.count * sizeof(uint32_t);
}

/* Read the child's reply until EOF, the limit, or more than cap bytes. */
static void
attempt_read(struct attempt *a, int fd, unsigned limit_ms)
{
	uint64_t end = now_ms() + limit_ms;

	for (;;) {
		uint64_t      t = now_ms();
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t	      r;
		int	      n;

		if (t >= end) {
			a->timed_out = true;
			return;
		}
		n = poll(&p, 1, (int)(end - t));
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			a->timed_out = true;
		if (n <= 0)
			return;
		if (a->len == a->cap)
			return; /* more than any honest reply: the child is wrong */
		r = read(fd, a->buf + a->len, a->cap - a->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			a->eof = r == 0;
			return;
		}
		a->len += (size_t)r;
		if (reply_complete(a)) {
			/* done, whether or not the end is closed: another
			 * evaluator forked meanwhile may hold a copy of it */
			a->eof = true;
			return;
		}
	}
}

static void
attempt_run(struct attempt *a, const struct lyd_node *data, const char *xpath,
    unsigned limit_ms)
{
	struct rusage ru = { 0 }; /* stays 0 should wait4 fail */
	int	      fds[2];
	pid_t	      pid, parent = getpid();

	if (pipe2(fds, O_CLOEXEC) != 0) {
		a->spawn_rc = -errno;
		return;
	}
	if ((pid = fork()) < 0) {
		a->spawn_rc = -errno;
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		child_run(fds[1], parent, data, xpath, limit_ms);
	}
	close(fds[1]);
	attempt_read(a, fds[0], limit_ms);
	close(fds[0]);
	if (!a->eof)
		kill(pid, SIGKILL); /* out of time, or saying too much */
	while (wait4(pid, &a->status, 0, &ru) < 0 && errno == EINTR)
		;
	a->cpu_ms = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

/* The child's reply as nodes of the parent's tree. */
struct parent_pos {
	const uint32_t *pos;
	uint32_t	count, next;
	struct ly_set  *set;
	int		rc;
};

static void
parent_pos_add(struct lyd_node *node, uint32_t pos, void *arg)
{
	struct parent_pos *pp = arg;

	if (pp->next < pp->count && pp->pos[pp->next] == pos) {
		if (ly_set_add(pp->set, node, 1, NULL) != LY_SUCCESS)
			pp->rc = -ENOMEM;
		pp->next++;
	}
}

static int
reply_parse(const struct attempt *a, const struct lyd_node *data, struct ly_set **set,
    struct nbnc_errs *errs)
{
	struct reply_hdr  hdr;
	struct parent_pos pp = { 0 };
	uint32_t	 *pos;

	if (a->len < sizeof(hdr))
		return -EPROTO;
	memcpy(&hdr, a->buf, sizeof(hdr));
	if (hdr.kind == REPLY_ERROR) {
		struct nb_err nb;

		if (a->len != sizeof(hdr) + sizeof(nb))
			return -EPROTO;
		memcpy(&nb, a->buf + sizeof(hdr), sizeof(nb));
		nb.path[sizeof(nb.path) - 1] = nb.msg[sizeof(nb.msg) - 1] = '\0';
		nb.app_tag[sizeof(nb.app_tag) - 1] = '\0';
		nbnc_errs_add_nb(errs, NC_ERR_INVALID_VALUE, &nb);
		return -EINVAL;
	}
	if (hdr.kind != REPLY_NODES || a->len != sizeof(hdr) + hdr.count * sizeof(uint32_t))
		return -EPROTO;
	pos = (uint32_t *)(a->buf + sizeof(hdr));
	for (uint32_t i = 1; i < hdr.count; i++)
		if (pos[i] <= pos[i - 1])
			return -EPROTO; /* the walk gives them in order */
	if (ly_set_new(&pp.set) != LY_SUCCESS)
		return -ENOMEM;
	pp.pos = pos;
	pp.count = hdr.count;
	tree_walk(data, parent_pos_add, &pp);
	if (pp.rc || pp.next != pp.count) {
		ly_set_free(pp.set, NULL);
		return pp.rc ? pp.rc : -EPROTO;
	}
	*set = pp.set;
	return 0;
}

/*
 * Can this expression take long? A location path whose steps are names,
 * '*', '.', '..', '/' and '//', with predicates in which each comparison
 * (between 'and' and 'or') names at most one node set, the node's own
 * children or itself, costs at most its steps times the nodes times the
 * depth: it is evaluated in-process, as the common requests are
 * (`/hgw:gateway-state/rib`, `//route[prefix='...']`), without the fork,
 * which in a 2-core VM costs ~100 ms over a 100,000-node tree (every page
 * the parent writes afterwards faults once). Anything else goes to the
 * child: functions, axes, operators outside a predicate, a path, '..' or a
 * nested predicate inside a predicate, a comparison of two node sets
 * (`[a=b]`), more than XPATH_SIMPLE_DESC '//' or XPATH_SIMPLE_STEPS steps.
 */
#define XPATH_SIMPLE_DESC  8
#define XPATH_SIMPLE_STEPS 64

static bool
name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == ':';
}

bool
nbnc_xpath_is_simple(const char *x)
{
	unsigned desc = 0, steps = 0, sets = 0; /* sets: in this comparison */
	bool	 pred = false;

	for (const char *p = x; *p;) {
		if (*p == '\'' || *p == '"') {
			const char *q = strchr(p + 1, *p);

			if (!q)
				return false;
			p = q + 1;
			continue;
		}
		if (isalpha((unsigned char)*p) || *p == '_' || *p == '*' || *p == '.') {
			const char *w = p;

			if (*p == '*')
				p++;
			else
				while (name_char(*p))
					p++;
			for (const char *q = w; q + 1 < p; q++)
				if (q[0] == ':' && q[1] == ':')
					return false; /* an axis */
			if (pred && (p - w == 2 && strncmp(w, "..", 2) == 0))
				return false;
			if (pred &&
			    ((p - w == 3 && strncmp(w, "and", 3) == 0) ||
				(p - w == 2 && strncmp(w, "or", 2) == 0)))
				sets = 0;
			else if (pred && ++sets > 1)
				return false;
			continue;
		}
		switch (*p) {
		case '[':
			if (pred)
				return false;
			pred = true;
			sets = 0;
			break;
		case ']':
			pred = false;
			break;
		case '/':
			if (pred)
				return false;
			if (p[1] == '/' && ++desc > XPATH_SIMPLE_DESC)
				return false;
			if (++steps > XPATH_SIMPLE_STEPS)
				return false;
			break;
		case '(':
			return false; /* a function */
		case '=':
		case '!':
		case '<':
		case '>':
		case '+':
			if (!pred)
				return false; /* an operator on whole node sets */
			break;
		default:
			break;
		}
		p++;
	}
	return true;
}

/* In-process, for a simple expression: libyang's error as invalid-value. */
static int
select_here(const struct lyd_node *data, const char *xpath, struct ly_set **set,
    struct nbnc_errs *errs)
{
	if (lyd_find_xpath(data, xpath, set) != LY_SUCCESS) {
		struct nb_err nb = { 0 };

		nb_err_from_ly(&nb, "XPath filter");
		nbnc_errs_add_nb(errs, NC_ERR_INVALID_VALUE, &nb);
		*set = NULL;
		return -EINVAL;
	}
	return 0;
}

static int
select_child(const struct lyd_node *data, const char *xpath, struct ly_set **set,
    struct nbnc_errs *errs)
{
	unsigned       limit = xpath_limit_ms;
	struct attempt a;
	size_t	       nodes;
	int	       rc;

	nodes = tree_walk(data, NULL, NULL);
	for (int tries = 0;; tries++) {
		memset(&a, 0, sizeof(a));
		/* one byte more than the longest honest reply */
		a.cap = sizeof(struct reply_hdr) + 1 +
		    (nodes * sizeof(uint32_t) > sizeof(struct nb_err) ?
			    nodes * sizeof(uint32_t) :
			    sizeof(struct nb_err));
		if (!(a.buf = malloc(a.cap))) {
			nbnc_errs_add(errs, NC_ERR_RES_DENIED, "", NULL,
			    "the XPath filter could not be evaluated: out of memory");
			return -ENOMEM;
		}
		attempt_run(&a, data, xpath, limit);
		if (!a.timed_out || a.cpu_ms >= limit / 4 || tries == 1)
			break;
		log_info(LOG_MOD_NB,
		    "netconf: XPath evaluation made no progress in %u ms (%llu ms of CPU); "
		    "evaluating once more",
		    limit, (unsigned long long)a.cpu_ms);
		free(a.buf);
	}
	if (a.spawn_rc) {
		rc = a.spawn_rc;
		nbnc_errs_add(errs, NC_ERR_RES_DENIED, "", NULL,
		    "the XPath filter could not be evaluated: %s", strerror(-rc));
	} else if (a.timed_out) {
		rc = -ETIMEDOUT;
		nbnc_errs_add(errs, NC_ERR_RES_DENIED, "", NULL,
		    "the XPath filter did not finish within %u ms and was stopped; "
		    "descendant steps ('//') inside predicates and comparisons between "
		    "node sets take time that grows with the data",
		    limit);
	} else if ((rc = reply_parse(&a, data, set, errs)) == -EPROTO &&
	    (!WIFEXITED(a.status) || WEXITSTATUS(a.status) != 0)) {
		/* judged by its reply: a child that wrote a whole one and then
		 * failed to exit cleanly (valgrind's leak check) has answered */
		rc = -ECHILD;
		log_warn(LOG_MOD_NB, "netconf: the XPath evaluator stopped (%s %d)",
		    WIFSIGNALED(a.status) ? "signal" : "exit status",
		    WIFSIGNALED(a.status) ? WTERMSIG(a.status) : WEXITSTATUS(a.status));
		nbnc_errs_add(errs, NC_ERR_OP_FAILED, "", NULL,
		    "the XPath filter could not be evaluated: the evaluator stopped");
	} else if (rc != 0 && rc != -EINVAL) {
		log_warn(LOG_MOD_NB, "netconf: the XPath evaluator's reply is wrong (%s)",
		    strerror(-rc));
		nbnc_errs_add(errs, NC_ERR_OP_FAILED, "", NULL,
		    "the XPath filter could not be evaluated: the evaluator's reply is wrong");
	}
	free(a.buf);
	return rc;
}

int
nbnc_xpath_select(const struct lyd_node *data, const char *xpath, bool request,
    struct ly_set **set, struct nbnc_errs *errs)
{
	int rc;

	*set = NULL;
	if (nbnc_xpath_is_simple(xpath))
		return select_here(data, xpath, set, errs);
	if (!request)
		return select_child(data, xpath, set, errs);
	if (atomic_fetch_add(&xpath_running, 1) >= xpath_slots) {
		atomic_fetch_sub(&xpath_running, 1);
		nbnc_errs_add(errs, NC_ERR_RES_DENIED, "", NULL,
		    "%u XPath filters that need their own process are being evaluated, the "
		    "most there may be at a time; try again when one has finished",
		    xpath_slots);
		return -EBUSY;
	}
	rc = select_child(data, xpath, set, errs);
	atomic_fetch_sub(&xpath_running, 1);
	return rc;
}
