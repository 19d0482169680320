/* SPDX-License-Identifier: MIT */
/*
 * kmod_client.h - the /dev/ipcbench client that other families reuse.
 *
 * bench/batch.c owns everything that talks to the ipcbench kernel module
 * (kmod/); these are the pieces of modeswitch/ioctl-nop, a bare ioctl round
 * trip into the module, so that modeswitch.c only needs its table row.
 */
#ifndef IPCB_KMOD_CLIENT_H
#define IPCB_KMOD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "ipcbench.h"

/* 0 when /dev/ipcbench opens and speaks our ABI; else -1 and how to load the module. */
int ipcb_kmod_supported(const struct ipcb_ctx *ctx, char *why, size_t whylen);

/* modeswitch/ioctl-nop: one operation is one ioctl(IPCB_IOC_NOP). */
int ipcb_kmod_nop_setup(struct ipcb_ctx *ctx);
void ipcb_kmod_nop_body(struct ipcb_ctx *ctx, uint64_t iters);
int ipcb_kmod_nop_check(struct ipcb_ctx *ctx);
void ipcb_kmod_nop_teardown(struct ipcb_ctx *ctx);

#endif
