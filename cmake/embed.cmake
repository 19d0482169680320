# Turn a text file into a C string constant: cmake -DIN=... -DOUT=... -DNAME=... -P embed.cmake
file(READ "${IN}" content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE "${OUT}" "/* generated from ${IN} by cmake/embed.cmake: do not edit */\nconst char ${NAME}[] = { ${bytes} 0x00 };\n")
