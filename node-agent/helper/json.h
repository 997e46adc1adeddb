/* A small JSON reader: parses a whole document into a tree of nodes.
 * Only what the helper needs to read an OCI config.json and its own state files. */
#ifndef KAP_JSON_H
#define KAP_JSON_H

#include <stddef.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	char *key;            /* member name when the parent is an object */
	char *str;            /* JSON_STRING value (NUL-terminated, escapes decoded) */
	double num;           /* JSON_NUMBER */
	long long inum;       /* JSON_NUMBER, exact when it is an integer */
	int boolean;          /* JSON_BOOL */
	struct json *child;   /* first element/member */
	struct json *next;    /* next sibling */
};

/* Returns NULL and sets *err to a static message on a syntax error. */
struct json *json_parse(const char *text, const char **err);
void json_free(struct json *node);

/* Lookups return NULL when absent or of another type. */
struct json *json_get(const struct json *obj, const char *key);
const char *json_get_str(const struct json *obj, const char *key);
int json_get_int(const struct json *obj, const char *key, long long *out);
int json_get_bool(const struct json *obj, const char *key, int fallback);
struct json *json_get_array(const struct json *obj, const char *key);
struct json *json_get_object(const struct json *obj, const char *key);

/* Reads a whole file into a NUL-terminated buffer (caller frees). */
char *read_file(const char *path, size_t *len);

#endif
