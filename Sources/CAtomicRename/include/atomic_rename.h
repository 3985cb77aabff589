#ifndef SMILE_ATOMIC_RENAME_H
#define SMILE_ATOMIC_RENAME_H

/// Atomically exchanges two existing paths (files or directories) on the same file system:
/// Linux renameat2(RENAME_EXCHANGE). Returns 0 on success, -1 with errno set otherwise (ENOSYS or EINVAL
/// where the kernel or file system cannot exchange, so the caller can fall back).
int smile_exchange_paths(const char *first, const char *second);

#endif
