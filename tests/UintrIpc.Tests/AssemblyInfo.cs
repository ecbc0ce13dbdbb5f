// The leak tests count /proc/self/fd and /proc/self/maps, and the ping-pong and race tests
// need both cores of the test machine: run the test classes one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
