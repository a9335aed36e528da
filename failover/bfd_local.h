/* failover/bfd_local.h - BFD internals shared by bfd_fsm.c and bfd_session.c. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_FAILOVER_BFD_LOCAL_H
#define HGW_FAILOVER_BFD_LOCAL_H

#include <stdbool.h>
#include <stdint.h>

#include "failover/bfd_codec.h"

#define BFD_SLOW_TX_US	 1000000u /* RFC 5880 6.8.3: >= 1 s while not Up */
#define BFD_DEFAULT_PORT 3784	  /* RFC 5881 4 */
#define BFD_SRC_PORT_MIN 49152	  /* RFC 5881 4 */
#define BFD_SRC_PORT_MAX 65535
#define BFD_TTL		 255 /* RFC 5881 5 (GTSM) */

/*
 * The state variables of RFC 5880 6.8.1 for one session, without I/O.
 * bfd_session.c feeds it received packets and timer expiries and acts on the
 * events it returns; the unit tests drive it directly.
 */
struct bfd_fsm {
	uint8_t	 state;	       /* bfd.SessionState */
	uint8_t	 remote_state; /* bfd.RemoteSessionState */
	uint8_t	 local_diag;   /* bfd.LocalDiag */
	uint8_t	 remote_diag;
	uint8_t	 detect_mult; /* bfd.DetectMult */
	uint8_t	 remote_mult;
	uint32_t local_discr;	       /* bfd.LocalDiscr */
	uint32_t remote_discr;	       /* bfd.RemoteDiscr */
	uint32_t cfg_tx_us, cfg_rx_us; /* what the operator asked for */
	uint32_t desired_tx_us;	       /* bfd.DesiredMinTxInterval, as advertised */
	uint32_t required_rx_us;       /* bfd.RequiredMinRxInterval, as advertised */
	/* In force for our own timers: lag behind the advertised values while a
	 * Poll Sequence runs (RFC 5880 6.8.3). */
	uint32_t tx_eff_us;	   /* used for the transmit interval */
	uint32_t rx_eff_us;	   /* used for the detection time */
	uint32_t remote_min_rx_us; /* bfd.RemoteMinRxInterval */
	uint32_t remote_tx_us;	   /* last received Desired Min TX */
	uint32_t remote_tx_det_us; /* the one the detection time uses */
	bool	 remote_demand;	   /* bfd.RemoteDemandMode */
	bool	 poll;		   /* our Poll Sequence is running */
	bool	 send_final;	   /* a Poll arrived: answer with F at once */
	uint32_t up_transitions;
	uint8_t	 last_down_diag; /* diag of the last transition to Down */
};

/* What an fsm call changed; the session acts on each bit. */
enum {
	BFD_EV_UP = 0x01,     /* entered Up */
	BFD_EV_DOWN = 0x02,   /* left Up */
	BFD_EV_STATE = 0x04,  /* any state change: transmit at once */
	BFD_EV_TIMERS = 0x08, /* transmit interval or detection time may differ */
	BFD_EV_FINAL = 0x10,  /* send a packet with F now */
	BFD_EV_DETECT = 0x20, /* packet accepted: restart the detection timer */
	BFD_EV_RESET = 0x40,  /* remote forgotten (detection expired) */
};

void bfd_fsm_init(struct bfd_fsm *, uint32_t local_discr, uint32_t tx_us, uint32_t rx_us,
    uint8_t mult);
/* A decoded, demultiplexed and authenticated packet (RFC 5880 6.8.6). */
unsigned bfd_fsm_rx(struct bfd_fsm *, const struct bfd_pkt *);
/* The detection time passed without a packet (RFC 5880 6.8.4). */
unsigned bfd_fsm_expire(struct bfd_fsm *);
/* RFC 5880 6.8.16 */
unsigned bfd_fsm_admin(struct bfd_fsm *, bool down);
/* New timer configuration: a Poll Sequence when Up (RFC 5880 6.8.3). */
unsigned bfd_fsm_set_params(struct bfd_fsm *, uint32_t tx_us, uint32_t rx_us, uint8_t mult);
/* Fill the next packet to send (RFC 5880 6.8.7); final answers a Poll. */
void bfd_fsm_build(struct bfd_fsm *, struct bfd_pkt *, bool final);
/* Negotiated transmit interval (RFC 5880 6.8.2); 0 = send no periodic packets. */
uint32_t bfd_fsm_tx_interval_us(const struct bfd_fsm *);
/* Detection time (RFC 5880 6.8.4); 0 = nothing to detect (no remote yet). */
uint32_t bfd_fsm_detect_us(const struct bfd_fsm *);
/* One jittered interval: 75-100 % of interval, 75-90 % when mult is 1
 * (RFC 5880 6.8.7); rnd is any 32-bit random value. */
uint32_t bfd_fsm_jitter_us(uint32_t interval_us, uint8_t mult, uint32_t rnd);

#endif
