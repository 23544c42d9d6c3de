#include "kahan.h"

#ifndef KAHAN_ORIGIN
#define KAHAN_ORIGIN "unknown"
#endif

double kahan_sum(const double *values, size_t count)
{
    double sum = 0.0;
    double compensation = 0.0;
    for (size_t i = 0; i < count; i++) {
        double y = values[i] - compensation;
        double t = sum + y;
        compensation = (t - sum) - y;
        sum = t;
    }
    return sum;
}

const char *kahan_origin(void) { return KAHAN_ORIGIN; }

const char *kahan_version(void) { return KAHAN_VERSION; }
