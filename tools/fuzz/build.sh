#!/bin/sh
# Builds the chapter parser's fuzz target into .build/fuzz/chapter-parser (run from the package root,
# after `swift build -c release -Xswiftc -enable-testing`, which builds Yams).
set -eu
release=.build/release
out=.build/fuzz
mkdir -p "$out"
swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name ChapterParserFuzz \
    tools/fuzz/ChapterParserFuzz.swift Sources/BookBuilder/Model.swift Sources/BookBuilder/Parse/*.swift \
    -I "$release/Modules" \
    -Xcc -fmodule-map-file=Sources/CCmark/module.modulemap \
    -Xcc -fmodule-map-file=.build/checkouts/Yams/Sources/CYaml/include/module.modulemap \
    "$release"/Yams.build/*.o $(find "$release"/CYaml.build -name "*.o") \
    -lcmark-gfm -lcmark-gfm-extensions \
    -o "$out/chapter-parser"
echo "built $out/chapter-parser"
