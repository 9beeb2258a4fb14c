/* placeholder: the JSON Schema Test Suite runner is being written */
int main(void) { return 0; }
