#!/usr/bin/env bash
# Shows that a fresh Maven project made only of what README.md says (the Maven dependency snippet,
# the test JVM flag, the quick start file) compiles and runs against the installed artifacts.
#
#   docs/check-readme-build.sh          # installs bom, core and mmap-directory into ~/.m2 first
#
# It writes nothing inside this repository; the fresh project lives in a temporary folder that is
# removed afterwards. Exit 0 when the quick start prints what the README says it prints.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -pl bom,core,mmap-directory -am install -DskipTests

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/main/java"

# The README's code blocks, in order: ```xml #1 is the dependency snippet, #2 the surefire flag;
# the ```java block that starts with "import" is the quick start; the ``` block after "It prints:"
# is its output.
awk -v dir="$work" '
  /^```xml$/   { xml++; inxml = 1; next }
  /^```java$/  { injava = 1; java = ""; next }
  /^It prints:$/ { want = 1; next }
  /^```$/ && want == 1 { want = 2; next }
  /^```/ {
    if (injava && java ~ /^import /) { printf "%s", java > (dir "/src/main/java/QuickStart.java"); found = 1 }
    if (want == 2) { want = 3 }
    inxml = 0; injava = 0; next
  }
  inxml  { print > (dir "/snippet" xml ".xml") }
  injava { java = java $0 "\n" }
  want == 2 { print > (dir "/expected.txt") }
' README.md

cat > "$work/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>readme-check</artifactId>
  <version>1</version>
  <properties>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
$(cat "$work/snippet1.xml")
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.13.0</version>
        <configuration><release>17</release></configuration>
      </plugin>
$(cat "$work/snippet2.xml")
    </plugins>
  </build>
</project>
POM

(cd "$work" && mvn -B -ntp -q package -DskipTests && mvn -B -ntp -q dependency:build-classpath -Dmdep.outputFile=cp.txt)
java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp "$work/target/readme-check-1.jar:$(cat "$work/cp.txt")" QuickStart \
  > "$work/actual.txt"
if diff -u "$work/expected.txt" "$work/actual.txt"; then
  echo "readme-build: the README's Maven snippet and quick start compile and run as documented"
else
  echo "readme-build: the quick start's output differs from the README" >&2
  exit 1
fi
