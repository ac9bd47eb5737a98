// Empty: the translation unit that builds the precompiled headers (CMakeLists.txt, SWITCHYARD_PCH).
