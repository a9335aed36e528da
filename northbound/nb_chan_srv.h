/* northbound/nb_chan_srv.h - hybridgwd's end of the channel to hybridgw-netconf (nb_chan.h). */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_NB_CHAN_SRV_H
#define HGW_NB_CHAN_SRV_H

#include <stdbool.h>
#include <stdint.h>

/* Loop thread only. */

/* Register what every commit needs (the NETCONF users checked, the
 * running config sent on) and the notification sink. Before any commit. */
int nb_chan_srv_init(void);
/* The endpoint given on the command line (the config's wins over it). */
void nb_chan_srv_endpoint(const char *addr, uint16_t port);
/* Serve the NETCONF process on fd (taken: closed when the channel ends).
 * dead(arg) runs once when the channel ends by itself (the process closed
 * it, died, or broke the protocol). -EBUSY while one is attached. */
int nb_chan_srv_attach(int fd, void (*dead)(void *), void *arg);
/* Has the process attached said hello? */
bool nb_chan_srv_ready(void);
/* hybridgwd is stopping: from now on the end of the channel calls no
 * dead() and ends no confirmed commit (the process is asked to stop). */
void nb_chan_srv_quiet(void);
/* End the channel that way now. */
void nb_chan_srv_detach(void);
/* The process is gone (its exit seen first): end the channel as if it
 * had closed it. */
void nb_chan_srv_lost(const char *why);
void nb_chan_srv_fini(void);

#endif
