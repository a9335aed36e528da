/* daemon/hybridgwd.c - hybridgwd main (being written). */
int main(void) { return 0; }
