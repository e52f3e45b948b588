#include <cblas.h>
// OpenBLAS extras (not in the reference CBLAS header).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
