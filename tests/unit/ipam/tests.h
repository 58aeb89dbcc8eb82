#ifndef METALGATE_TEST_IPAM_H
#define METALGATE_TEST_IPAM_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/arena.h"
#include "ipam/ipam.h"

#define T_MAX_POOLS 32
#define T_MAX_REQS 2048

/*
 * A scenario: pools and requests built with the helpers below, run through
 * ipam_allocate(), results looked up by "ns/name". Everything lives in the
 * environment's arena.
 */
struct t_env {
    struct arena a;
    struct ipam_pool pools[T_MAX_POOLS];
    size_t n_pools;
    struct ipam_request reqs[T_MAX_REQS];
    size_t n_reqs;
    bool sel[T_MAX_POOLS][T_MAX_REQS]; /* serviceSelectors matches */
    struct ipam_output out;
};

struct t_env *t_new(void);
void t_free(struct t_env *e);

/* A pool from "10.0.0.0/24, 10.0.1.1-10.0.1.5, fc00::/120"; autoAssign on. */
struct ipam_pool *t_pool(struct t_env *e, const char *name, const char *addrs);
/* serviceAllocation with priority and namespaces ("a,b"; NULL = no namespace rules). */
void t_pool_alloc(struct t_env *e, struct ipam_pool *p, int64_t prio, const char *namespaces);
struct ipam_pool *t_pool_named(struct t_env *e, const char *name);
/* Removes the pool named name (keeps the others' order). */
void t_pool_drop(struct t_env *e, const char *name);

/* A single-stack IPv4 Service "ns/name", created after the previous one. */
struct ipam_request *t_svc(struct t_env *e, const char *key);
struct ipam_request *t_req(struct t_env *e, const char *key);
void t_drop(struct t_env *e, const char *key);
void t_ips_of(struct t_env *e, struct ipam_request *r, const char *list, bool prev);
#define t_want(e, r, list) t_ips_of((e), (r), (list), false)
#define t_prev(e, r, list) t_ips_of((e), (r), (list), true)
/* "TCP/80,UDP/53" */
void t_ports(struct t_env *e, struct ipam_request *r, const char *list);
void t_select(struct t_env *e, const char *pool, const char *key);

/* Runs the allocator and asserts it succeeded. */
void t_run(struct t_env *e);
/* Runs it and returns its return code. */
int t_try(struct t_env *e);
/* Copies every result into the request's prev_ips, as the state file would. */
void t_carry(struct t_env *e);

const struct ipam_result *t_res(struct t_env *e, const char *key);
/* "10.0.0.1,fc00::1", or "" without addresses. */
const char *t_ips(struct t_env *e, const char *key);
const struct ipam_usage *t_usage(struct t_env *e, const char *pool);
struct ip_addr t_ip(const char *s);

#define T_DECL(name)                                                                               \
    extern const struct CMUnitTest name[];                                                         \
    extern const size_t name##_count

T_DECL(test_runs);
T_DECL(test_pools);
T_DECL(test_requested);
T_DECL(test_sharing);
T_DECL(test_dual);
T_DECL(test_svcalloc);
T_DECL(test_state);
T_DECL(test_property);

#endif
