global using System.Diagnostics;
global using System.Runtime.InteropServices;
global using UintrIpc.TestInterop;
global using UintrIpc.Tests.Infrastructure;
