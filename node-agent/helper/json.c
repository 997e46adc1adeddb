#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct parser {
	const char *p;
	const char *err;
	int depth;
};

static struct json *parse_value(struct parser *ps);

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static struct json *new_node(enum json_type type)
{
	struct json *n = calloc(1, sizeof(*n));
	if (n)
		n->type = type;
	return n;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) { out[0] = (char)cp; return 1; }
	if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F)); return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static int read_hex4(struct parser *ps, unsigned *cp)
{
	*cp = 0;
	for (int i = 0; i < 4; i++) {
		int h = hex_value(ps->p[i]);
		if (h < 0) return -1;
		*cp = (*cp << 4) | (unsigned)h;
	}
	ps->p += 4;
	return 0;
}

/* Decodes a string literal; ps->p points at the opening quote. */
static char *parse_string_raw(struct parser *ps)
{
	const char *start = ++ps->p;
	size_t cap = 0;
	while (start[cap] && start[cap] != '"') {
		if (start[cap] == '\\' && start[cap + 1]) cap++;
		cap++;
	}
	char *out = malloc(cap * 2 + 1);
	size_t n = 0;
	if (!out) { ps->err = "out of memory"; return NULL; }
	for (;;) {
		char c = *ps->p;
		if (c == '\0') { ps->err = "unterminated string"; free(out); return NULL; }
		if (c == '"') { ps->p++; break; }
		if ((unsigned char)c < 0x20) { ps->err = "control character in string"; free(out); return NULL; }
		if (c != '\\') { out[n++] = c; ps->p++; continue; }
		ps->p++;
		c = *ps->p++;
		switch (c) {
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case '/': out[n++] = '/'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (read_hex4(ps, &cp) < 0) { ps->err = "bad \\u escape"; free(out); return NULL; }
			if (cp >= 0xD800 && cp < 0xDC00 && ps->p[0] == '\\' && ps->p[1] == 'u') {
				ps->p += 2;
				if (read_hex4(ps, &lo) < 0) { ps->err = "bad \\u escape"; free(out); return NULL; }
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			n += put_utf8(out + n, cp);
			break;
		}
		default:
			ps->err = "bad escape";
			free(out);
			return NULL;
		}
	}
	out[n] = '\0';
	return out;
}

static struct json *parse_number(struct parser *ps)
{
	char *end;
	struct json *n = new_node(JSON_NUMBER);
	if (!n) { ps->err = "out of memory"; return NULL; }
	errno = 0;
	n->inum = strtoll(ps->p, &end, 10);
	if (*end == '.' || *end == 'e' || *end == 'E' || errno == ERANGE) {
		n->num = strtod(ps->p, &end);
		n->inum = (long long)n->num;
	} else {
		n->num = (double)n->inum;
	}
	if (end == ps->p) { ps->err = "bad number"; free(n); return NULL; }
	ps->p = end;
	return n;
}

static struct json *parse_container(struct parser *ps, enum json_type type)
{
	char close = type == JSON_ARRAY ? ']' : '}';
	struct json *node = new_node(type), **tail;
	if (!node) { ps->err = "out of memory"; return NULL; }
	if (++ps->depth > 64) { ps->err = "nesting too deep"; free(node); return NULL; }
	tail = &node->child;
	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) { ps->p++; ps->depth--; return node; }
	for (;;) {
		char *key = NULL;
		struct json *item;
		skip_ws(ps);
		if (type == JSON_OBJECT) {
			if (*ps->p != '"') { ps->err = "expected member name"; goto fail; }
			if (!(key = parse_string_raw(ps))) goto fail;
			skip_ws(ps);
			if (*ps->p != ':') { ps->err = "expected ':'"; free(key); goto fail; }
			ps->p++;
		}
		if (!(item = parse_value(ps))) { free(key); goto fail; }
		item->key = key;
		*tail = item;
		tail = &item->next;
		skip_ws(ps);
		if (*ps->p == ',') { ps->p++; continue; }
		if (*ps->p == close) { ps->p++; break; }
		ps->err = type == JSON_ARRAY ? "expected ',' or ']'" : "expected ',' or '}'";
		goto fail;
	}
	ps->depth--;
	return node;
fail:
	json_free(node);
	return NULL;
}

static struct json *parse_value(struct parser *ps)
{
	struct json *n;
	skip_ws(ps);
	switch (*ps->p) {
	case '{': return parse_container(ps, JSON_OBJECT);
	case '[': return parse_container(ps, JSON_ARRAY);
	case '"':
		if (!(n = new_node(JSON_STRING))) { ps->err = "out of memory"; return NULL; }
		if (!(n->str = parse_string_raw(ps))) { free(n); return NULL; }
		return n;
	case 't':
	case 'f':
	case 'n': {
		const char *words[] = { "true", "false", "null" };
		for (int i = 0; i < 3; i++) {
			size_t len = strlen(words[i]);
			if (strncmp(ps->p, words[i], len) == 0) {
				ps->p += len;
				if (!(n = new_node(i == 2 ? JSON_NULL : JSON_BOOL))) { ps->err = "out of memory"; return NULL; }
				n->boolean = i == 0;
				return n;
			}
		}
		ps->err = "unexpected literal";
		return NULL;
	}
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps);
		ps->err = "unexpected character";
		return NULL;
	}
}

struct json *json_parse(const char *text, const char **err)
{
	struct parser ps = { text, NULL, 0 };
	struct json *root = parse_value(&ps);
	if (root) {
		skip_ws(&ps);
		if (*ps.p) { ps.err = "trailing characters"; json_free(root); root = NULL; }
	}
	if (err) *err = ps.err;
	return root;
}

void json_free(struct json *node)
{
	while (node) {
		struct json *next = node->next;
		json_free(node->child);
		free(node->key);
		free(node->str);
		free(node);
		node = next;
	}
}

struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT) return NULL;
	for (struct json *c = obj->child; c; c = c->next)
		if (c->key && strcmp(c->key, key) == 0) return c;
	return NULL;
}

const char *json_get_str(const struct json *obj, const char *key)
{
	struct json *v = json_get(obj, key);
	return v && v->type == JSON_STRING ? v->str : NULL;
}

int json_get_int(const struct json *obj, const char *key, long long *out)
{
	struct json *v = json_get(obj, key);
	if (!v || v->type != JSON_NUMBER) return 0;
	*out = v->inum;
	return 1;
}

int json_get_bool(const struct json *obj, const char *key, int fallback)
{
	struct json *v = json_get(obj, key);
	return v && v->type == JSON_BOOL ? v->boolean : fallback;
}

struct json *json_get_array(const struct json *obj, const char *key)
{
	struct json *v = json_get(obj, key);
	return v && v->type == JSON_ARRAY ? v : NULL;
}

struct json *json_get_object(const struct json *obj, const char *key)
{
	struct json *v = json_get(obj, key);
	return v && v->type == JSON_OBJECT ? v : NULL;
}

char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf;
	if (fd < 0) return NULL;
	buf = malloc(cap);
	while (buf) {
		ssize_t r;
		if (n + 1 >= cap) {
			char *bigger = realloc(buf, cap *= 2);
			if (!bigger) { free(buf); buf = NULL; break; }
			buf = bigger;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) { free(buf); buf = NULL; break; }
		if (r == 0) break;
		n += (size_t)r;
	}
	close(fd);
	if (buf) { buf[n] = '\0'; if (len) *len = n; }
	return buf;
}
