/* Capability names and the kernel calls that set the five capability sets. */
#ifndef KAP_CAPS_H
#define KAP_CAPS_H

#include <stdint.h>

/* "CAP_CHOWN" (or "CHOWN") -> 0; -1 when unknown. */
int cap_from_name(const char *name);

/* Removes from the bounding set every capability not in keep; 0 or -errno. */
int caps_drop_bounding(uint64_t keep);
/* Sets effective/permitted/inheritable with capset(2); 0 or -errno. */
int caps_set(uint64_t effective, uint64_t permitted, uint64_t inheritable);
/* Clears the ambient set, then raises each capability in ambient; 0 or -errno. */
int caps_set_ambient(uint64_t ambient);

#endif
