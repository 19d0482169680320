// SPDX-License-Identifier: GPL-2.0
/*
 * ipcbench.c - /dev/ipcbench: what it costs to batch system calls through a
 * driver, for the ipcbench `batch/` benchmarks.
 *
 * IPCB_IOC_NOP is a bare ioctl round trip. IPCB_IOC_BATCH runs a table of
 * {op, args, ret} entries in one kernel entry, the way the batching designs
 * in the literature do, without their shortcuts: entries run synchronously
 * in the caller's context (so current, its fd table and its __user pointers
 * are the caller's), ops come from a whitelist rather than raw syscall
 * numbers, the syscall table is never touched and no unexported symbol is
 * looked up. User memory is untrusted: every field of an entry is read once,
 * buffers go through the uaccess helpers and fds through fdget/fdput.
 *
 * It is no way around the rules write(2) obeys: the device is root-only
 * (mode 0600) unless an admin grants it, a batch needs the device open for
 * writing, a write entry is refused under seccomp (a filter might forbid
 * write(2), and the filter cannot be asked about an entry), the I/O is
 * accounted like write(2)'s, and per-open memory is charged to the caller's
 * memory cgroup.
 *
 * The module must be GPL: file_start_write() uses GPL-only symbols.
 * Tested on Debian's 6.1 (kmod/vmtest); the version checks mark the later
 * kernels' API changes that it follows.
 */

#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/xacct.h>
#include <linux/seccomp.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/version.h>
#include <linux/vmalloc.h>

#include "ipcbench_uapi.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 0, 0)
#error "ipcbench.ko needs Linux 6.0 or later (iov_iter_ubuf)"
#endif

/* Give the CPU away this often in a long batch. */
#define IPCB_RESCHED_EVERY 32

/* Kernels since 6.12 reach the file of a struct fd through fd_file(). */
#ifndef fd_file
#define fd_file(f) ((f).file)
#endif

/* One open file: the shared table, once mmap() has created it. */
struct ipcb_file {
	struct mutex lock; /* serialises creating the table */
	struct ipcb_entry *table; /* ipcb_table_alloc(); published with smp_store_release */
};

/* An entry as read from user memory: each field read exactly once. */
struct ipcb_call {
	u32 op;
	u32 flags;
	u64 args[3];
};

static bool ipcb_is_restart(long ret)
{
	return ret <= -ERESTARTSYS && ret >= -ERESTART_RESTARTBLOCK;
}

/*
 * A seccomp filter may forbid write(2), writev(2) or pwrite64(2) for this
 * task, and there is no exported way to run it on an entry: refuse every
 * write entry of a filtered task rather than be a way around the filter.
 * Strict mode never gets here (it allows no ioctl).
 */
static bool ipcb_seccomp_active(void)
{
#ifdef CONFIG_SECCOMP
	/* another thread's SECCOMP_FILTER_FLAG_TSYNC may set it mid-batch */
	return READ_ONCE(current->seccomp.mode) != SECCOMP_MODE_DISABLED;
#else
	return false;
#endif
}

/*
 * write(2) from inside the driver: vfs_write() is not exported and
 * kernel_write() takes a kernel buffer (and refuses /dev/null), so build an
 * iterator on the caller's buffer and take the same locks ksys_write() does.
 */
static ssize_t ipcb_write_locked(struct file *file, struct iov_iter *iter)
{
	loff_t pos = file->f_pos, *ppos = (file->f_mode & FMODE_STREAM) ? NULL : &pos;
	ssize_t ret;

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
	/* since 6.8 vfs_iter_write() takes the freeze protection itself */
	file_start_write(file);
#endif
	/* vfs_iter_write() sends fsnotify_modify() itself, as vfs_write() does */
	ret = vfs_iter_write(file, iter, ppos, 0);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
	file_end_write(file);
#endif
	if (ret >= 0 && ppos)
		file->f_pos = pos;
	/* what ksys_write() adds, so /proc/<pid>/io counts the entry as a write(2) */
	if (ret > 0)
		add_wchar(current, ret);
	inc_syscw(current);
	return ret;
}

static s64 ipcb_op_write(u64 fd, u64 ubuf, u64 len)
{
	void __user *buf = u64_to_user_ptr(ubuf);
	struct iov_iter iter;
	struct file *file;
	struct fd f;
	bool pos_locked = false;
	ssize_t ret;

	if (ipcb_seccomp_active())
		return -EPERM;
	if (fd > INT_MAX)
		return -EBADF;
	f = fdget(fd);
	file = fd_file(f);
	if (!file)
		return -EBADF;
	/* vfs_write()'s checks in its order, so every error is the one write(2) gives */
	ret = -EBADF;
	if (!(file->f_mode & FMODE_WRITE))
		goto out_fdput;
	ret = -EINVAL;
	if (!(file->f_mode & FMODE_CAN_WRITE))
		goto out_fdput;
	ret = -EFAULT;
	if (!access_ok(buf, len))
		goto out_fdput;
	/*
	 * A file with only ->write (/proc/<pid>/comm, some drivers): write(2)
	 * calls it, but vfs_write() is not exported and calling ->write here
	 * would skip rw_verify_area() (the LSM hook among them). Refuse it
	 * with an errno of its own rather than vfs_iter_write()'s -EINVAL.
	 */
	ret = -EOPNOTSUPP;
	if (!file->f_op->write_iter)
		goto out_fdput;
	/* import_ubuf() without the export (GPL-only, and not in every kernel) */
	iov_iter_ubuf(&iter, ITER_SOURCE, buf, min_t(u64, len, MAX_RW_COUNT));
	/* what fdget_pos() does (it is not exported): a shared offset moves atomically */
	if ((file->f_mode & FMODE_ATOMIC_POS) && file_count(file) > 1) {
		mutex_lock(&file->f_pos_lock);
		pos_locked = true;
	}
	ret = ipcb_write_locked(file, &iter);
	if (pos_locked)
		mutex_unlock(&file->f_pos_lock);
out_fdput:
	fdput(f);
	return ret;
}

static s64 ipcb_run_call(const struct ipcb_call *c)
{
	if (c->flags)
		return -EINVAL;
	switch (c->op) {
	case IPCB_OP_NOP:
		return 0;
	case IPCB_OP_GETPID:
		return task_tgid_vnr(current);
	case IPCB_OP_WRITE:
		return ipcb_op_write(c->args[0], c->args[1], c->args[2]);
	default:
		return -EOPNOTSUPP;
	}
}

/* The shared table is mapped by user space too: it can change under us. */
static void ipcb_load_shared(const struct ipcb_entry *e, struct ipcb_call *c)
{
	c->op = READ_ONCE(e->op);
	c->flags = READ_ONCE(e->flags);
	c->args[0] = READ_ONCE(e->args[0]);
	c->args[1] = READ_ONCE(e->args[1]);
	c->args[2] = READ_ONCE(e->args[2]);
}

/*
 * One entry: read it, run it, store its result. 0 when done (or interrupted
 * before it ran: see ipcb_is_restart), -EFAULT when it could not be read and
 * did not run, 1 when it ran but its ret could not be stored (read-only
 * memory): it counts, and the batch stops after it.
 */
static int ipcb_step(struct ipcb_entry *shared, struct ipcb_entry __user *utable, u32 i, s64 *ret)
{
	struct ipcb_call c;

	if (shared) {
		ipcb_load_shared(&shared[i], &c);
	} else {
		BUILD_BUG_ON(offsetof(struct ipcb_entry, ret) != sizeof(c));
		if (copy_from_user(&c, &utable[i], sizeof(c)))
			return -EFAULT;
	}
	*ret = ipcb_run_call(&c);
	/* a signal interrupted a blocked call: it did not run, leave its ret alone */
	if (ipcb_is_restart(*ret))
		return 0;
	if (shared)
		WRITE_ONCE(shared[i].ret, *ret);
	else if (put_user(*ret, &utable[i].ret))
		return 1;
	return 0;
}

/* Returns how many entries ran, or the error if none did (see struct ipcb_batch). */
static long ipcb_run_batch(struct ipcb_entry *shared, struct ipcb_entry __user *utable, u32 count, u32 flags)
{
	long err = 0;
	s64 ret;
	u32 i;

	for (i = 0; i < count; i++) {
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		if (i && i % IPCB_RESCHED_EVERY == 0)
			cond_resched();
		err = ipcb_step(shared, utable, i, &ret);
		if (err < 0)
			break;
		if (ipcb_is_restart(ret)) {
			/* it did not run: restart the ioctl or fail with -EINTR, as write(2) would */
			err = ret;
			break;
		}
		if (err > 0 || (ret < 0 && (flags & IPCB_BATCH_STOP_ON_ERROR))) {
			i++;
			break;
		}
	}
	/* a partial batch reports what ran, like a short write */
	return i == 0 && err < 0 ? err : i;
}

static long ipcb_ioctl_batch(struct ipcb_file *pf, const void __user *uarg)
{
	struct ipcb_entry *shared = NULL;
	struct ipcb_batch b;

	if (copy_from_user(&b, uarg, sizeof(b)))
		return -EFAULT;
	if ((b.flags & ~IPCB_BATCH_FLAGS) || b.reserved)
		return -EINVAL;
	if (b.count > IPCB_BATCH_MAX)
		return -E2BIG;
	if (b.flags & IPCB_BATCH_SHARED) {
		if (b.entries)
			return -EINVAL;
		/* pairs with the release in ipcb_mmap(): the table's zeroed contents are visible */
		shared = smp_load_acquire(&pf->table);
		if (!shared)
			return -ENXIO;
	}
	return ipcb_run_batch(shared, u64_to_user_ptr(b.entries), b.count, b.flags);
}

static long ipcb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case IPCB_IOC_NOP:
		return 0;
	case IPCB_IOC_VERSION:
		return IPCB_ABI_VERSION;
	case IPCB_IOC_BATCH:
		/* a batch writes: like write(2), it needs the device open for writing */
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		return ipcb_ioctl_batch(file->private_data, (const void __user *)arg);
	default:
		return -ENOTTY;
	}
}

/*
 * The shared table, charged to the caller's memory cgroup: vmalloc_user()
 * does not account, and the allocator that could add __GFP_ACCOUNT to it
 * (__vmalloc_node_range) is not exported. __vmalloc() is, but its area lacks
 * VM_USERMAP, so remap_vmalloc_range() refuses it: ipcb_mmap() maps the
 * pages itself. __GFP_ZERO: no stale kernel data reaches user space.
 */
static struct ipcb_entry *ipcb_table_alloc(void)
{
	return __vmalloc(PAGE_ALIGN(IPCB_SHARED_BYTES), GFP_KERNEL_ACCOUNT | __GFP_ZERO);
}

/* remap_vmalloc_range() without its VM_USERMAP check: vma is exactly the table's size */
static int ipcb_map_table(struct vm_area_struct *vma, struct ipcb_entry *table)
{
	unsigned long off;
	int err;

	for (off = 0; off < vma->vm_end - vma->vm_start; off += PAGE_SIZE) {
		err = vm_insert_page(vma, vma->vm_start + off, vmalloc_to_page((char *)table + off));
		if (err)
			return err;
	}
	/* the table cannot grow (mremap) nor go into a core dump */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
#endif
	return 0;
}

/*
 * The table lives as long as the open file: a mapping holds a reference to
 * the file, so release() runs only once every mapping of it is gone.
 */
static int ipcb_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ipcb_file *pf = file->private_data;
	struct ipcb_entry *table;
	int err = 0;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_ALIGN(IPCB_SHARED_BYTES))
		return -EINVAL;
	/* a private mapping would copy on write: the driver would never see the entries */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	mutex_lock(&pf->lock);
	table = pf->table;
	if (!table) {
		table = ipcb_table_alloc();
		if (!table) {
			err = -ENOMEM;
			goto out_unlock;
		}
		smp_store_release(&pf->table, table);
	}
	err = ipcb_map_table(vma, table);
out_unlock:
	mutex_unlock(&pf->lock);
	return err;
}

static int ipcb_open(struct inode *inode, struct file *file)
{
	struct ipcb_file *pf = kzalloc(sizeof(*pf), GFP_KERNEL_ACCOUNT);

	if (!pf)
		return -ENOMEM;
	mutex_init(&pf->lock);
	file->private_data = pf;
	return 0;
}

static int ipcb_release(struct inode *inode, struct file *file)
{
	struct ipcb_file *pf = file->private_data;

	vfree(pf->table);
	mutex_destroy(&pf->lock);
	kfree(pf);
	return 0;
}

/* .owner pins the module while a file is open: rmmod is refused until the last close. */
static const struct file_operations ipcb_fops = {
	.owner = THIS_MODULE,
	.open = ipcb_open,
	.release = ipcb_release,
	.unlocked_ioctl = ipcb_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = ipcb_mmap,
	.llseek = noop_llseek,
};

/*
 * Root-only: a user who may open it can run write(2)s that syscall tracing
 * and auditing of write do not see. An admin may grant it (kmod/README.md).
 */
static struct miscdevice ipcb_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ipcbench",
	.fops = &ipcb_fops,
	.mode = 0600,
};

module_misc_device(ipcb_misc);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("ipcbench");
MODULE_DESCRIPTION("ipcbench: batched system calls through a misc device (/dev/ipcbench)");
