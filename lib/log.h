/* lib/log.h - leveled logging with per-module debug flags. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_LIB_LOG_H
#define HGW_LIB_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Debug flags, one per module; debug lines print only when their flag is on. */
enum log_mod {
	LOG_MOD_CORE,
	LOG_MOD_BGP,
	LOG_MOD_FAILOVER,
	LOG_MOD_BFD,
	LOG_MOD_FIB,
	LOG_MOD_VPN,
	LOG_MOD_NB,
	LOG_MOD_COUNT
};

void log_init(const char *ident, enum log_level, bool to_stderr);
/* Name the process in stderr lines (a child sharing its parent's stderr). */
void	       log_set_tag(const char *tag);
void	       log_set_level(enum log_level);
enum log_level log_get_level(void);
/* "bgp,fib" or "all"; returns -EINVAL naming an unknown module in err. */
int	    log_set_debug(const char *list);
void	    log_debug_enable(enum log_mod, bool);
bool	    log_debug_on(enum log_mod);
const char *log_mod_name(enum log_mod);

void log_msg(enum log_level, enum log_mod, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_err(m, ...)	 log_msg(LOG_LVL_ERR, (m), __VA_ARGS__)
#define log_warn(m, ...) log_msg(LOG_LVL_WARN, (m), __VA_ARGS__)
#define log_info(m, ...) log_msg(LOG_LVL_INFO, (m), __VA_ARGS__)
#define log_debug(m, ...)                                         \
	do {                                                      \
		if (log_debug_on(m))                              \
			log_msg(LOG_LVL_DEBUG, (m), __VA_ARGS__); \
	} while (0)

#endif
