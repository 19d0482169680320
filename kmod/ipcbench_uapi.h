/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ipcbench_uapi.h - the ABI of /dev/ipcbench, shared by the kernel module
 * (kmod/ipcbench.c) and the benchmarks (bench/batch.c).
 *
 * IPCB_IOC_NOP is a bare round trip into a driver. IPCB_IOC_BATCH runs a
 * table of calls in one kernel entry, synchronously, in the caller's own
 * context: getpid is the caller's tgid, write uses the caller's fd table and
 * reads the caller's buffer. The table is either in the caller's memory
 * (copied in one entry at a time) or the per-open shared table that
 * mmap(2) of the device maps (read in place).
 *
 * Every field has a fixed width, so 32- and 64-bit callers see one layout.
 */
#ifndef IPCBENCH_UAPI_H
#define IPCBENCH_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped on any incompatible change; IPCB_IOC_VERSION returns it. */
#define IPCB_ABI_VERSION 1

/* The most entries one IPCB_IOC_BATCH runs, and the size of the shared table. */
#define IPCB_BATCH_MAX 1024

/* What an entry asks for. Anything else is refused per entry with -EOPNOTSUPP. */
enum ipcb_op {
	IPCB_OP_NOP = 0,    /* nothing: the per-entry floor of the table walk */
	IPCB_OP_GETPID = 1, /* ret = the caller's tgid, as getpid(2) */
	IPCB_OP_WRITE = 2,  /* write(2): args = {fd, user buffer, length}; see struct ipcb_batch */
	IPCB_OP_COUNT
};

/**
 * struct ipcb_entry - one call of a batch
 * @op:    enum ipcb_op
 * @flags: reserved, must be 0 (else ret = -EINVAL)
 * @args:  the call's arguments; unused ones are ignored
 * @ret:   written back: the call's result, or a negative errno
 */
struct ipcb_entry {
	__u32 op;
	__u32 flags;
	__u64 args[3];
	__s64 ret;
};

/* struct ipcb_batch.flags */
#define IPCB_BATCH_STOP_ON_ERROR (1u << 0) /* stop after the first entry whose ret < 0 */
#define IPCB_BATCH_SHARED (1u << 1)	   /* run the mmap'ed table; entries must be 0 */
#define IPCB_BATCH_FLAGS (IPCB_BATCH_STOP_ON_ERROR | IPCB_BATCH_SHARED)

/**
 * struct ipcb_batch - the argument of IPCB_IOC_BATCH
 * @entries:  user address of struct ipcb_entry[count], or 0 with IPCB_BATCH_SHARED
 * @count:    number of entries, at most IPCB_BATCH_MAX (else -E2BIG)
 * @flags:    IPCB_BATCH_*; unknown bits are refused with -EINVAL
 * @reserved: must be 0
 *
 * The ioctl returns how many entries ran, like write(2) returns bytes: the
 * entries from there on did not run and their ret is untouched. That is
 * fewer than count after a failed entry with IPCB_BATCH_STOP_ON_ERROR, a
 * fatal signal, a signal that interrupted a blocked entry, an entry that
 * could not be read, or one whose ret could not be stored (read-only memory:
 * it ran, and counts). If nothing ran, the error itself is returned (-EFAULT,
 * -EINTR, ...). Without a shared table mapped, IPCB_BATCH_SHARED is -ENXIO.
 * The ioctl itself is -EBADF on a device fd not open for writing.
 *
 * A write entry behaves as write(2) with the same fd, buffer and length,
 * errors included, and is counted like one in /proc/<pid>/io (wchar, syscw),
 * with two exceptions:
 * - -EPERM for every write entry while the caller is under seccomp (a
 *   filter may forbid write(2), and the module cannot ask it);
 * - -EOPNOTSUPP on a file that has only a plain ->write method and no
 *   ->write_iter (e.g. /proc/<pid>/comm), where write(2) would succeed;
 *   checked after write(2)'s own -EBADF, -EINVAL and -EFAULT checks.
 */
struct ipcb_batch {
	__u64 entries;
	__u32 count;
	__u32 flags;
	__u64 reserved;
};

/*
 * mmap(2) of the device, MAP_SHARED, offset 0, exactly IPCB_SHARED_BYTES
 * (rounded up to pages by the caller): the shared table of this open file.
 */
#define IPCB_SHARED_BYTES (IPCB_BATCH_MAX * sizeof(struct ipcb_entry))

#define IPCB_IOC_MAGIC 0xb7
#define IPCB_IOC_NOP _IO(IPCB_IOC_MAGIC, 0)
#define IPCB_IOC_BATCH _IOW(IPCB_IOC_MAGIC, 1, struct ipcb_batch)
#define IPCB_IOC_VERSION _IO(IPCB_IOC_MAGIC, 2)

#endif
