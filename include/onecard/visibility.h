/* onecard — symbol visibility for the public API. */
#ifndef ONECARD_VISIBILITY_H
#define ONECARD_VISIBILITY_H

#if defined(__GNUC__)
#define ONECARD_API	    __attribute__((visibility("default")))
#define ONECARD_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define ONECARD_API
#define ONECARD_WARN_UNUSED
#endif

#endif /* ONECARD_VISIBILITY_H */
