/* kahan 1.2.0: compensated summation, a tiny library vendored by blasdemo. */
#ifndef KAHAN_H
#define KAHAN_H

#include <stddef.h>

#define KAHAN_VERSION "1.2.0"

double kahan_sum(const double *values, size_t count);
/* "vendored" or "system": which copy of the library the caller was linked with. */
const char *kahan_origin(void);
const char *kahan_version(void);

#endif
