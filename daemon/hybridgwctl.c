/* daemon/hybridgwctl.c - hybridgwctl (being written). */
int main(void) { return 0; }
