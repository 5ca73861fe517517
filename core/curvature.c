/* Placeholder: implemented on the landscape branch. */
#include <stddef.h>
