/* northbound/nb_chan.h - the channel between hybridgwd and hybridgw-netconf: its messages and their codec. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_NB_CHAN_H
#define HGW_NB_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/wire.h"

/*
 * hybridgwd (the routing process) and hybridgw-netconf (the unprivileged
 * NETCONF process) share one socketpair (SOCK_STREAM). Each message is a
 * 12-byte header - body length (u32), type (u16), flags (u16), request id
 * (u32), network order - and a body of typed fields: integers in network
 * order, strings and blobs as a u32 length and the bytes. A text blob (XML
 * for libyang) carries its terminating NUL and no other.
 *
 * The NETCONF process asks (requests, id != 0); the routing process answers
 * each request in order with RESULT or DATA under the same id, and sends on
 * its own (id 0) the running configuration after every commit, the state
 * of a confirmed commit, and notifications. Nothing else crosses.
 *
 * The NETCONF process is untrusted: the routing process decodes what it
 * sends with nb_chan_decode() (pure: no allocation, no logging, views into
 * the message), which refuses any message that is not exactly one of the
 * requests below; what the fields mean (a config, an RPC) is then parsed
 * and validated by libyang and the registered modules as any config is.
 * Requests carry only what docs/northbound.md lists: validated commits,
 * state reads, the modules' RPCs, startup datastore operations, the end of
 * a session (its confirmed commit) and the bind of a privileged port.
 */
#define NB_CHAN_HDR_LEN	   12
#define NB_CHAN_VERSION	   1
#define NB_CHAN_MAX_REQ	   (256u << 20) /* a request body, as the routing side takes it */
#define NB_CHAN_MAX_REPLY  (1u << 30)	/* a reply body (a <get> of a big RIB) */
#define NB_CHAN_MAX_STR	   4096
#define NB_CHAN_MAX_PIECES 65536
#define NB_CHAN_MAX_PATHS  256

enum nb_chan_type {
	/* NETCONF process -> routing process: requests */
	NB_CHAN_HELLO = 1,   /* u32 version */
	NB_CHAN_COMMIT,	     /* who, u32 timeout, [str persist], [str persist-id],
				 * [u64 base, u32 n, n x str path], text config */
	NB_CHAN_CHECK,	     /* text config */
	NB_CHAN_CANCEL,	     /* who, [str persist-id] */
	NB_CHAN_STATE,	     /* str xpath hint ("" = all) */
	NB_CHAN_RPC,	     /* who, text rpc (the operation and its input, XML) */
	NB_CHAN_STARTUP_GET, /* (nothing) */
	NB_CHAN_STARTUP_SET, /* who, text config (empty with F_RUNNING) */
	NB_CHAN_STARTUP_DEL, /* who */
	NB_CHAN_SESSION_END, /* u32 sid */
	NB_CHAN_BIND,	     /* u8 family (4|6), u16 port, 16 bytes address; with an fd */
	NB_CHAN_REQ_LAST = NB_CHAN_BIND,

	/* routing process -> NETCONF process */
	NB_CHAN_RESULT =
	    64,	      /* i32 rc (0/-errno), u16 tag, str path, str message, str app-tag */
	NB_CHAN_DATA, /* blob tree (LYB), u32 n, n x (str parent, str list, text piece) */
	NB_CHAN_RUNNING = 80, /* id 0: u64 generation, blob config (LYB; empty with F_YOURS) */
	NB_CHAN_CONFIRM, /* id 0: u32 sid of a pending confirmed commit (0: none owns it) */
	NB_CHAN_NOTIFY,	 /* id 0: u64 seconds, u32 nanoseconds (eventTime), blob (LYB) */
};

/* flags, per type */
#define NB_CHAN_F_CONFIRMED  0x0001 /* COMMIT: confirmed="true" */
#define NB_CHAN_F_PERSIST    0x0002 /* COMMIT: persist given */
#define NB_CHAN_F_PERSIST_ID 0x0004 /* COMMIT, CANCEL: persist-id given */
#define NB_CHAN_F_CC	     0x0008 /* COMMIT: the <commit> operation (RFC 6241 8.4 rules) */
#define NB_CHAN_F_DIFF	     0x0010 /* COMMIT: subscribers want netconf-config-change edits */
#define NB_CHAN_F_PATCH \
	0x0020			    /* COMMIT: running of generation base with these
					 * entries and gateway's other children as in the
					 * config sent (nb_netconf_fast.c) */
#define NB_CHAN_F_BULK	     0x0001 /* STATE: a whole <get>: big lists as pieces */
#define NB_CHAN_F_RUNNING    0x0001 /* STARTUP_SET: copy the running config */
#define NB_CHAN_F_YOURS	     0x0001 /* RUNNING: the config the COMMIT answered next made */
#define NB_CHAN_F_PENDING    0x0001 /* CONFIRM: a confirmed commit is pending */
#define NB_CHAN_F_PERSISTENT 0x0002 /* CONFIRM: ... and it is persistent */
#define NB_CHAN_F_REPLAY     0x0001 /* NOTIFY: from the log, sent at HELLO */

/* RESULT tags: what the NETCONF process answers the client with. */
enum nb_chan_tag {
	NB_CHAN_TAG_NONE = 0,
	NB_CHAN_TAG_OP_FAILED,	/* operation-failed, type protocol */
	NB_CHAN_TAG_APP_FAILED, /* operation-failed, type application (refused config) */
	NB_CHAN_TAG_INVALID_VALUE,
	NB_CHAN_TAG_IN_USE,
	NB_CHAN_TAG_MISSING_ELEM,
	NB_CHAN_TAG_NOT_SUPPORTED, /* operation-not-supported */
	NB_CHAN_TAG_MALFORMED,	   /* the channel request itself was refused */
	NB_CHAN_TAG_LAST = NB_CHAN_TAG_MALFORMED,
};

enum nb_chan_err {
	NB_CHAN_OK = 0,
	NB_CHAN_ERR_SHORT,  /* need more bytes (header or body incomplete) */
	NB_CHAN_ERR_LEN,    /* body longer than allowed */
	NB_CHAN_ERR_TYPE,   /* unknown type, or not in this direction */
	NB_CHAN_ERR_ID,	    /* a request without id, an event with one */
	NB_CHAN_ERR_FLAGS,  /* a flag this type does not have */
	NB_CHAN_ERR_FIELD,  /* a field cut short, too long, or bytes left over */
	NB_CHAN_ERR_STRING, /* a NUL in a string, a text without its NUL or with two */
	NB_CHAN_ERR_VALUE,  /* a value out of range (version, family, port, tag) */
};

/* Who asked: the NETCONF session, for notifications and logs. */
struct nb_chan_who {
	uint32_t       sid;
	struct wire_rd user, host;
};

/* A decoded message: views into the bytes it was decoded from. */
struct nb_chan_msg {
	uint16_t	   type, flags;
	uint32_t	   id;
	uint32_t	   version;    /* HELLO */
	struct nb_chan_who who;	       /* COMMIT CANCEL RPC STARTUP_SET STARTUP_DEL */
	uint32_t	   sid;	       /* SESSION_END CONFIRM */
	uint32_t	   timeout;    /* COMMIT, seconds */
	struct wire_rd	   persist;    /* COMMIT, with F_PERSIST */
	struct wire_rd	   persist_id; /* COMMIT CANCEL, with F_PERSIST_ID */
	uint64_t	   base;       /* COMMIT, with F_PATCH: generation patched */
	uint32_t	   npaths;     /* ... the entries, read with nb_chan_path_next() */
	struct wire_rd	   paths;
	struct wire_rd	   hint; /* STATE */
	struct wire_rd	   blob; /* a text (ends in its NUL) or a LYB tree */
	int32_t		   rc;	 /* RESULT */
	uint16_t	   tag;
	struct wire_rd	   path, text, app_tag;
	uint32_t	   npieces; /* DATA: pieces, read with nb_chan_piece_next() */
	struct wire_rd	   pieces;
	uint64_t	   gen; /* RUNNING */
	uint64_t	   sec; /* NOTIFY */
	uint32_t	   nsec;
	uint8_t		   family; /* BIND: 4 or 6 */
	uint16_t	   port;
	uint8_t		   addr[16];
};

/* A piece of a DATA message: list entries as XML text under parent. */
struct nb_chan_piece {
	struct wire_rd parent, list, text;
};

/* The header at the front of rd: NB_CHAN_OK (*body_len set), or
 * NB_CHAN_ERR_SHORT. Nothing else is checked here. */
enum nb_chan_err nb_chan_hdr_peek(struct wire_rd rd, uint32_t *body_len);
/* One whole message (header and body, nothing after it). to_routing: the
 * routing process decoding requests (limit NB_CHAN_MAX_REQ); else the
 * NETCONF process decoding answers and events. Pure. */
enum nb_chan_err nb_chan_decode(struct wire_rd msg, bool to_routing, struct nb_chan_msg *);
/* The next piece of a decoded DATA message (p->pieces is consumed). */
bool nb_chan_piece_next(struct wire_rd *pieces, struct nb_chan_piece *);
/* The next path of a decoded COMMIT with F_PATCH. */
bool	    nb_chan_path_next(struct wire_rd *paths, struct wire_rd *path);
const char *nb_chan_err_str(enum nb_chan_err);
const char *nb_chan_type_str(uint16_t type);

/*
 * Building a message: nb_chan_begin(), the fields in the order above,
 * nb_chan_end(). The buffer grows as needed (malloc); errors are sticky
 * and nb_chan_end() reports them (-ENOMEM, -EMSGSIZE). On success the
 * caller owns out->p (free() it); on error it has been freed.
 */
struct nb_chan_out {
	uint8_t *p;
	size_t	 len, cap;
	int	 err;
};
void nb_chan_begin(struct nb_chan_out *, uint16_t type, uint16_t flags, uint32_t id);
void nb_chan_put_u8(struct nb_chan_out *, uint8_t);
void nb_chan_put_u16(struct nb_chan_out *, uint16_t);
void nb_chan_put_u32(struct nb_chan_out *, uint32_t);
void nb_chan_put_u64(struct nb_chan_out *, uint64_t);
void nb_chan_put_bytes(struct nb_chan_out *, const void *, size_t);
void nb_chan_put_str(struct nb_chan_out *, const char *); /* NULL: "" */
void nb_chan_put_blob(struct nb_chan_out *, const void *, size_t);
void nb_chan_put_text(struct nb_chan_out *, const char *); /* NULL: "" */
void nb_chan_put_who(struct nb_chan_out *, uint32_t sid, const char *user, const char *host);
int  nb_chan_end(struct nb_chan_out *);

/* A string field as a C string in buf (always terminated, cut to fit). */
const char *nb_chan_str(const struct wire_rd *, char *buf, size_t len);

#endif
