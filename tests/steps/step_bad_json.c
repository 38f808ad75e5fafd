/* step_bad_json — exits 0 but prints something that is not JSON. */
#include "step_common.h"

int main(void)
{
    free(step_read_input(NULL));
    step_puts(1, "this is not JSON {\n");
    return 0;
}
