// SPDX-License-Identifier: MIT
/* sysfs.c - the one reader of small procfs/sysfs files: a read loop that survives EINTR, then trimmed text, a number, or one field of a "key: value" file. */
#include "sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ipcb_trim(char *s)
{
	size_t n = strlen(s);
	char *p = s;

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (p != s)
		memmove(s, p, strlen(p) + 1);
}

/* Read fd into buf until room bytes or the end of the file, through EINTR: the bytes read, or -errno. */
static ssize_t read_upto(int fd, char *buf, size_t room)
{
	size_t used = 0;
	ssize_t n;

	while (used < room) {
		n = read(fd, buf + used, room - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		used += (size_t)n;
	}
	return (ssize_t)used;
}

int ipcb_read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if (!len)
		return -EINVAL;
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read_upto(fd, buf, len - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	if (n < 0)
		return (int)n;
	ipcb_trim(buf);
	return 0;
}

long ipcb_read_long(const char *path, long dflt)
{
	char buf[64], *end;
	long v;

	if (ipcb_read_text(path, buf, sizeof(buf)))
		return dflt;
	errno = 0;
	v = strtol(buf, &end, 10);
	return end == buf || errno ? dflt : v;
}

int ipcb_read_file(const char *path, char **text, size_t *len)
{
	size_t cap = 2048, used = 0;
	char *buf = NULL, *grown;
	int fd, err = 0;
	ssize_t got;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* double the buffer while a read fills it: a short read is the end of the file */
	do {
		cap *= 2;
		grown = cap <= (1u << 23) ? realloc(buf, cap) : NULL;
		if (!grown) {
			err = cap <= (1u << 23) ? ENOMEM : EFBIG;
			break;
		}
		buf = grown;
		got = read_upto(fd, buf + used, cap - 1 - used);
		if (got < 0) {
			err = (int)-got;
			break;
		}
		used += (size_t)got;
	} while (used == cap - 1);
	close(fd);
	if (err) {
		free(buf);
		return -err;
	}
	buf[used] = '\0';
	*text = buf;
	if (len)
		*len = used;
	return 0;
}

int ipcb_read_field(const char *path, const char *key, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, *sep;
	size_t cap = 0;
	int rc = -ENOENT;

	if (!f)
		return -errno;
	/* getline, not fgets: cpuinfo's flags line is longer than any fixed buffer; a blank line ends its first block */
	while (getline(&line, &cap, f) > 0 && line[0] != '\n') {
		sep = strchr(line, ':');
		if (!sep)
			sep = strpbrk(line, " \t");
		if (!sep)
			continue;
		*sep = '\0';
		ipcb_trim(line);
		if (strcmp(line, key))
			continue;
		snprintf(buf, len, "%s", sep + 1);
		ipcb_trim(buf);
		rc = 0;
		break;
	}
	free(line);
	fclose(f);
	return rc;
}
