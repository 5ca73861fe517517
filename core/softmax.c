/* Placeholder: implemented on the scores branch. */
#include "softmax.h"
