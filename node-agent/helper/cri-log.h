/* Container output in the CRI log format ("<RFC3339Nano> <stream> <F|P> <line>"), with rotation. */
#ifndef KAP_CRI_LOG_H
#define KAP_CRI_LOG_H

#include <stddef.h>
#include <sys/types.h>

#define CRI_LINE_MAX 16384   /* longer lines are split into P(artial) records */

struct cri_log {
	char path[4096];
	int fd;                  /* -1: output is discarded */
	off_t size;
	off_t max_size;          /* rotate when a record would pass this size */
	int max_files;           /* FILE plus FILE.1 .. FILE.(max_files-1) */
};

struct cri_stream {
	const char *name;        /* "stdout" or "stderr" */
	char pending[CRI_LINE_MAX];
	size_t len;
};

int cri_log_open(struct cri_log *log, const char *path, off_t max_size, int max_files);  /* 0 or -errno */
/* Feeds bytes read from a stream; writes every complete line, and full buffers as partial lines. */
void cri_log_feed(struct cri_log *log, struct cri_stream *stream, const char *data, size_t len);
/* At end of stream: writes what is left as a final (F) record. */
void cri_log_flush(struct cri_log *log, struct cri_stream *stream);

#endif
