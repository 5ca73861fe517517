/* A shared library that is not a basin plugin: it lacks basin_library_entry. */
int basin_not_a_plugin(void);
int basin_not_a_plugin(void)
{
    return 42;
}
